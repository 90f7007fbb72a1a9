//! Nesterov momentum in Sutskever et al.'s (2013) form: `v' = μ v + α p`,
//! `w' = w + μ v' + α p`.

use crate::differentiable;
use ndarray::Array1;

/// One Nesterov update of the parameters `w` and the velocity `v` along the direction
/// `p` (for gradient descent `p = -g`): with the step `s = α ⊙ p`, `v' = μ v + s` and
/// `w' = w + (μ v' + s)` (`= w + μ² v + (1 + μ) s`). Returns `(w', v')`.
///
/// `rate` holds one rate (length 1) or one per coordinate; see
/// [`heavy_ball_update`](super::heavy_ball_update()) for `rate = [1]`.
#[differentiable(order = 2)]
pub fn nesterov_update(
    w: &Array1<f64>,
    v: &Array1<f64>,
    p: &Array1<f64>,
    rate: &Array1<f64>,
    mu: f64,
) -> (Array1<f64>, Array1<f64>) {
    let s = rate * p;
    let v2 = mu * v + &s;
    (w + &(mu * &v2 + &s), v2)
}
