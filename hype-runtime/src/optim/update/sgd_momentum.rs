//! SGD with momentum in Maclaurin, Duvenaud & Adams' (2015) form:
//! `v' = μ v - (1 - μ) g`, `w' = w + α v'`.

use crate::{differentiable, Float};
use ndarray::Array1;

/// One update of Maclaurin et al.'s SGD with momentum (the dynamics of reversible
/// learning): `v' = μ v - (1 - μ) g`, `w' = w + α ⊙ v'`. Returns `(w', v')`.
///
/// `rate` holds one rate (length 1) or one per coordinate.
#[differentiable(order = 2)]
pub fn sgd_momentum_update<F: Float>(
    w: &Array1<F>,
    v: &Array1<F>,
    g: &Array1<F>,
    rate: &Array1<F>,
    mu: F,
) -> (Array1<F>, Array1<F>) {
    let v2 = v * mu - &(g * (F::one() - mu));
    (w + &(rate * &v2), v2)
}
