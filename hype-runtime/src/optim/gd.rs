//! Gradient descent: the steepest-descent direction `p = -g` (Hype's `GD`).

use super::direction::SearchDirection;
use super::objective::Objective;
use super::vector::neg;
use crate::tangent::Tangent;

/// The steepest-descent direction `-g`.
pub fn steepest_descent<P: Tangent>(g: &P) -> P {
    neg(g)
}

/// Gradient descent (no memory).
#[derive(Clone, Copy, Debug, Default)]
pub struct GradientDescent;

impl<P: Tangent> SearchDirection<P> for GradientDescent {
    fn name(&self) -> &'static str {
        "gradient descent"
    }
    fn direction<O: Objective<P>>(&mut self, _f: &O, _x: &P, g: &P) -> P {
        steepest_descent(g)
    }
    fn restart(&mut self) {}
}
