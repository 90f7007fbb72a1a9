//! Seeded splits of `0..n` into train/validation/test index sets, and the helpers that
//! gather the rows of those sets.

use super::error::DataError;
use super::rng::permutation;
use ndarray::{Array2, Axis};

/// Splits the example indices `0..n` into consecutive parts of the given fractions.
///
/// With `seed: Some(s)` the indices are first shuffled by the permutation that `s`
/// determines (the same on every platform, see [`rng`](super::rng)); with `None` the
/// parts are contiguous ranges in order. Each index appears in at most one part, and
/// each part is in the permutation's order.
///
/// The fractions must be finite, non-negative and sum to at most 1 (within 1e-9),
/// otherwise [`BadFractions`](DataError::BadFractions). Part `k` ends at
/// `round(n * (f_0 + ... + f_k))`, so parts differ from their exact sizes by less than
/// one and, when the fractions sum to 1, cover all of `0..n`; otherwise the remaining
/// indices belong to no part.
///
/// ```
/// use hype_runtime::data::split_indices;
/// let parts = split_indices(10, &[0.6, 0.2, 0.2], Some(7)).unwrap();
/// assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), [6, 2, 2]);
/// ```
pub fn split_indices(
    n: usize,
    fractions: &[f64],
    seed: Option<u64>,
) -> Result<Vec<Vec<usize>>, DataError> {
    let bad = || DataError::BadFractions {
        fractions: fractions.to_vec(),
    };
    if fractions.iter().any(|f| !f.is_finite() || *f < 0.0) {
        return Err(bad());
    }
    let total: f64 = fractions.iter().sum();
    if total > 1.0 + 1e-9 {
        return Err(bad());
    }
    let order: Vec<usize> = match seed {
        Some(s) => permutation(n, s),
        None => (0..n).collect(),
    };
    let mut parts = Vec::with_capacity(fractions.len());
    let mut start = 0usize;
    let mut cumulative = 0.0f64;
    for (k, f) in fractions.iter().enumerate() {
        cumulative += f;
        let end = if k + 1 == fractions.len() && (total - 1.0).abs() <= 1e-9 {
            n
        } else {
            // In [0, n]: cumulative <= 1 + 1e-9, and the cast saturates.
            ((n as f64 * cumulative).round() as usize).clamp(start, n)
        };
        parts.push(order[start..end].to_vec());
        start = end;
    }
    Ok(parts)
}

/// Train, validation and test index sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
}

/// Shuffles `0..n` with `seed` and splits it into train, validation and test parts;
/// validation and test take the given fractions and train the rest (see
/// [`split_indices`]).
pub fn train_val_test(n: usize, validation: f64, test: f64, seed: u64) -> Result<Split, DataError> {
    let train = 1.0 - validation - test;
    if !validation.is_finite() || !test.is_finite() || train < -1e-9 {
        return Err(DataError::BadFractions {
            fractions: vec![validation, test],
        });
    }
    let mut parts = split_indices(n, &[train.max(0.0), validation, test], Some(seed))?;
    let test = parts.pop().unwrap_or_default();
    let validation = parts.pop().unwrap_or_default();
    let train = parts.pop().unwrap_or_default();
    Ok(Split {
        train,
        validation,
        test,
    })
}

fn check_indices(indices: &[usize], len: usize) -> Result<(), DataError> {
    match indices.iter().find(|&&i| i >= len) {
        Some(&index) => Err(DataError::IndexOutOfRange { index, len }),
        None => Ok(()),
    }
}

/// The rows of `a` at `indices`, in that order (repeats allowed).
pub fn gather_rows<T: Clone>(a: &Array2<T>, indices: &[usize]) -> Result<Array2<T>, DataError> {
    check_indices(indices, a.nrows())?;
    Ok(a.select(Axis(0), indices))
}

/// The elements of `v` at `indices`, in that order (repeats allowed).
pub fn gather<T: Clone>(v: &[T], indices: &[usize]) -> Result<Vec<T>, DataError> {
    check_indices(indices, v.len())?;
    Ok(indices.iter().map(|&i| v[i].clone()).collect())
}
