//! Nesterov momentum in Sutskever et al.'s (2013) form: `v' = μ v + α p`,
//! `w' = w + μ v' + α p`.

use crate::{differentiable, Float};
use ndarray::Array1;

/// One Nesterov update of the parameters `w` and the velocity `v` along the direction
/// `p` (for gradient descent `p = -g`): with the step `s = α ⊙ p`, `v' = μ v + s` and
/// `w' = w + (μ v' + s)` (`= w + μ² v + (1 + μ) s`). Returns `(w', v')`.
///
/// `rate` holds one rate (length 1) or one per coordinate; see
/// [`heavy_ball_update`](super::heavy_ball_update()) for `rate = [1]`.
#[differentiable(order = 2)]
pub fn nesterov_update<F: Float>(
    w: &Array1<F>,
    v: &Array1<F>,
    p: &Array1<F>,
    rate: &Array1<F>,
    mu: F,
) -> (Array1<F>, Array1<F>) {
    let s = rate * p;
    let v2 = v * mu + &s;
    (w + &(&v2 * mu + &s), v2)
}
