//! A parallel outer search: a population of hyperparameter candidates (e.g. learning
//! rate schedules), each refined by hypergradient descent ([`hyper::optimize()`](crate::hyper::optimize())) on the
//! rank that owns it, with the best shared with every rank.
//!
//! Candidate `i` belongs to rank `i mod N`. A candidate whose refinement fails (a
//! non-finite hypergradient, ...) counts as infinitely bad on its rank, so that no
//! rank leaves the collectives early.

use super::collective::Collective;
use crate::hyper::{optimize, HyperError, OptimizeResult, OuterParams};
use crate::tangent::Tangent;

/// What [`search`] found; the same on every rank except `local` and `failures`.
#[derive(Clone, Debug)]
pub struct SearchResult<H> {
    /// The best hyperparameters over all candidates and ranks.
    pub best: H,
    /// Their validation loss.
    pub best_value: f64,
    /// The index of the candidate they were refined from.
    pub best_candidate: usize,
    /// This rank's refinements: `(candidate index, result)`.
    pub local: Vec<(usize, OptimizeResult<H>)>,
    /// This rank's candidates whose refinement failed, with the error.
    pub failures: Vec<(usize, HyperError)>,
}

/// Refines every candidate with [`optimize()`] (`hypergradient(λ) = (E(λ), dE/dλ)`), the
/// candidates spread over the ranks of `comm`, and shares the best. Every rank must
/// pass the same candidates. Errors when there are no candidates or none succeeded.
pub fn search<H, F, C>(
    comm: &C,
    candidates: &[H],
    mut hypergradient: F,
    params: &OuterParams,
) -> Result<SearchResult<H>, HyperError>
where
    H: Tangent,
    F: FnMut(&H) -> Result<(f64, H), HyperError>,
    C: Collective + ?Sized,
{
    let Some(first) = candidates.first() else {
        return Err(HyperError::InvalidArgument(
            "dist::search: no candidates".to_string(),
        ));
    };
    if let Some((i, h)) = candidates
        .iter()
        .enumerate()
        .find(|(_, h)| h.flat_len() != first.flat_len())
    {
        return Err(HyperError::InvalidArgument(format!(
            "dist::search: candidate {i} has {} values, candidate 0 has {}",
            h.flat_len(),
            first.flat_len()
        )));
    }
    let (rank, size) = (comm.rank(), comm.size());
    let mut local = Vec::new();
    let mut failures = Vec::new();
    for (i, h0) in candidates.iter().enumerate().skip(rank).step_by(size) {
        match optimize(h0, &mut hypergradient, params, None) {
            Ok(r) => local.push((i, r)),
            Err(e) => failures.push((i, e)),
        }
    }
    // This rank's best as (value, candidate); ties go to the lower candidate index.
    let mine = local
        .iter()
        .map(|(i, r)| (r.best_value, *i))
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .unwrap_or((f64::INFINITY, usize::MAX));
    let all = comm.all_gather(&[mine.0, mine.1 as f64]);
    let (best_value, best_candidate) = all
        .chunks_exact(2)
        .map(|c| (c[0], c[1]))
        .filter(|c| c.0.is_finite())
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(v, i)| (v, i as usize))
        .ok_or(HyperError::NonFinite(
            "dist::search: the best validation loss of every rank",
        ))?;
    let owner = best_candidate % size;
    let mut flat = vec![0.0; first.flat_len()];
    if owner == rank {
        let (_, r) = local
            .iter()
            .find(|(i, _)| *i == best_candidate)
            .expect("the owner holds its best candidate");
        flat.clear();
        r.best.write_flat(&mut flat);
    }
    comm.broadcast(owner, &mut flat);
    let mut pos = 0;
    Ok(SearchResult {
        best: first.read_flat(&flat, &mut pos),
        best_value,
        best_candidate,
        local,
        failures,
    })
}
