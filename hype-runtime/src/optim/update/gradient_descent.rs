//! Gradient descent: `w' = w + α p` (for the steepest descent `p = -g`).

use crate::{differentiable, Float};
use ndarray::Array1;

/// One gradient-descent update `w' = w + α ⊙ p` along the direction `p`.
///
/// `rate` holds one rate shared by every coordinate (length 1) or one rate per
/// coordinate (length `w.len()`, e.g. per-layer rates spread over the layers'
/// coordinates). Differentiable to second order in every argument: the
/// hypergradient drivers take its derivatives with respect to the parameters, the
/// direction (through it, the gradient) and the rate from this definition.
#[differentiable(order = 2)]
pub fn gradient_descent_update<F: Float>(
    w: &Array1<F>,
    p: &Array1<F>,
    rate: &Array1<F>,
) -> Array1<F> {
    w + &(rate * p)
}
