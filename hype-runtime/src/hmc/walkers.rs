//! The walkers of the hypergradient tuners ([`tune`](super::tune) and
//! [`tune_dense`](super::tune_dense)): one HMC chain per starting point, moved by the
//! trajectories the tuning differentiates, and the checks both tuners share.

use super::adapt::find_reasonable_step;
use super::error::HmcError;
use super::leapfrog::PhasePoint;
use super::mass::Metric;
use super::rng::SamplerRng;
use super::target::LogDensity;
use ndarray::Array1;

/// The walkers at `init` (each checked: the target's dimension, a finite log density and
/// gradient) and a first step size from Stan's heuristic at `M = I` with the gradient
/// evaluations it spent.
pub(super) fn start<T: LogDensity + ?Sized>(
    target: &T,
    init: &[Array1<f64>],
    rng: &mut SamplerRng,
) -> Result<(Vec<PhasePoint>, f64, usize), HmcError> {
    let d = target.dim();
    if init.is_empty() {
        return Err(HmcError::Setting {
            what: "hypergradient tuning",
            detail: "no starting points".into(),
        });
    }
    let mut walkers = Vec::with_capacity(init.len());
    for (c, q) in init.iter().enumerate() {
        if q.len() != d {
            return Err(HmcError::Dimension {
                what: "the initial point",
                expected: d,
                found: q.len(),
            });
        }
        let z = PhasePoint::new(target, q.clone(), Array1::zeros(d));
        if !z.hamiltonian(&Metric::identity(d)).is_finite() {
            return Err(HmcError::NonFiniteStart {
                chain: c,
                logp: z.logp,
            });
        }
        walkers.push(z);
    }
    let (eps0, n_grad) = find_reasonable_step(target, &Metric::identity(d), &walkers[0], 1.0, rng);
    Ok((walkers, eps0, n_grad))
}

/// Checks a tuning batch: as many momentum draws as starts (at least one), all of
/// dimension `d`.
pub(super) fn check_batch(
    d: usize,
    starts: &[PhasePoint],
    zs: &[Array1<f64>],
) -> Result<(), HmcError> {
    if starts.is_empty() || starts.len() != zs.len() {
        return Err(HmcError::Setting {
            what: "tuning batch",
            detail: format!("{} starts and {} momentum draws", starts.len(), zs.len()),
        });
    }
    for v in starts.iter().map(|s| &s.q).chain(zs.iter()) {
        if v.len() != d {
            return Err(HmcError::Dimension {
                what: "a tuning start or momentum draw",
                expected: d,
                found: v.len(),
            });
        }
    }
    Ok(())
}

/// Moves each walker to its trajectory's end with the Metropolis probability `accept`
/// (so the walkers stay HMC chains under the current parameters); returns the mean
/// acceptance probability.
pub(super) fn metropolis(
    walkers: &mut [PhasePoint],
    ends: &[PhasePoint],
    accept: &[f64],
    rng: &mut SamplerRng,
) -> f64 {
    for (w, (end, a)) in walkers.iter_mut().zip(ends.iter().zip(accept)) {
        if rng.uniform() < *a {
            *w = end.clone();
        }
    }
    accept.iter().sum::<f64>() / accept.len().max(1) as f64
}

/// `∇² log π(q) · v`, or the error that the target has none (nested AD needs it).
pub(super) fn hvp<T: LogDensity + ?Sized>(
    target: &T,
    q: &Array1<f64>,
    v: &Array1<f64>,
) -> Result<Array1<f64>, HmcError> {
    target.hvp(q, v).ok_or(HmcError::Setting {
        what: "hypergradient tuning",
        detail: "the target has no Hessian-vector product (use density_with_hvp)".into(),
    })
}
