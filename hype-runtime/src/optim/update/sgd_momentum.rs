//! SGD with momentum in Maclaurin, Duvenaud & Adams' (2015) form:
//! `v' = μ v - (1 - μ) g`, `w' = w + α v'`.

use crate::differentiable;
use ndarray::Array1;

/// One update of Maclaurin et al.'s SGD with momentum (the dynamics of reversible
/// learning): `v' = μ v - (1 - μ) g`, `w' = w + α ⊙ v'`. Returns `(w', v')`.
///
/// `rate` holds one rate (length 1) or one per coordinate.
#[differentiable(order = 2)]
pub fn sgd_momentum_update(
    w: &Array1<f64>,
    v: &Array1<f64>,
    g: &Array1<f64>,
    rate: &Array1<f64>,
    mu: f64,
) -> (Array1<f64>, Array1<f64>) {
    let v2 = mu * v - &((1.0 - mu) * g);
    (w + &(rate * &v2), v2)
}
