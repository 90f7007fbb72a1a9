//! Heavy-ball (Polyak) momentum: `v' = μ v + α p`, `w' = w + v'`.

use crate::{differentiable, Float};
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
pub fn heavy_ball_update<F: Float>(
    w: &Array1<F>,
    v: &Array1<F>,
    p: &Array1<F>,
    rate: &Array1<F>,
    mu: F,
) -> (Array1<F>, Array1<F>) {
    let v2 = v * mu + &(rate * p);
    (w + &v2, v2)
}
