//! Heavy-ball (Polyak) momentum: `v' = μ v + α p`, `w' = w + v'`.

use crate::differentiable;
use ndarray::Array1;

/// One heavy-ball update of the parameters `w` and the velocity `v` along the
/// direction `p` (for gradient descent `p = -g`): `v' = μ v + α ⊙ p`, `w' = w + v'`.
/// Returns `(w', v')`.
///
/// `rate` holds one rate (length 1) or one per coordinate. With `rate = [1]` and `p`
/// a step already scaled by a learning rate (a line search's, an adaptive rule's),
/// this is [`Momentum::Momentum`](crate::optim::Momentum::Momentum) applied to that
/// step.
#[differentiable(order = 2)]
pub fn heavy_ball_update(
    w: &Array1<f64>,
    v: &Array1<f64>,
    p: &Array1<f64>,
    rate: &Array1<f64>,
    mu: f64,
) -> (Array1<f64>, Array1<f64>) {
    let v2 = mu * v + &(rate * p);
    (w + &v2, v2)
}
