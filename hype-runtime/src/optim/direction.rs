//! The one small trait every optimization method implements.

use super::objective::Objective;
use crate::tangent::Tangent;

/// A method that proposes a search direction at each iterate.
///
/// `minimize` calls [`SearchDirection::direction`] once per iteration, at the iterates
/// in order, with the (clipped) gradient; the method keeps whatever memory it needs
/// (previous gradient and direction for CG, curvature pairs for L-BFGS) inside itself.
/// The step length along the direction comes from the learning rate
/// ([`LearningRate`](super::LearningRate)), momentum is applied after that.
///
/// Each method also exposes its direction as a pure function of its inputs and memory
/// (`cg::direction`, `lbfgs::two_loop`, `newton_cg::truncated_cg`), for the
/// differentiable update steps.
pub trait SearchDirection<P: Tangent> {
    /// The method's name, for messages.
    fn name(&self) -> &'static str;

    /// The search direction at `x`, whose (clipped) gradient is `g`.
    fn direction<O: Objective<P>>(&mut self, f: &O, x: &P, g: &P) -> P;

    /// Forgets the memory, so that the next direction is steepest descent. `minimize`
    /// calls this when a direction is not a descent direction or a line search along
    /// it failed (the current direction is then replaced by `-g`).
    fn restart(&mut self);

    /// Whether the last direction has a natural unit step (Newton and quasi-Newton
    /// directions): line searches then try the step 1 first.
    fn natural_step(&self) -> bool {
        false
    }
}
