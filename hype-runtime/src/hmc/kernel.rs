//! The one small trait of the transition kernels (static HMC, NUTS).

use super::leapfrog::PhasePoint;
use super::mass::Metric;
use super::rng::SamplerRng;
use super::target::LogDensity;

/// What one transition did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// The Metropolis acceptance probability (NUTS: averaged over the trajectory, as
    /// Stan's `accept_stat`), the statistic dual averaging steers.
    pub accept_prob: f64,
    /// Whether the trajectory diverged (energy error above the threshold, or a log
    /// density or gradient that is not finite): the diverging part is never accepted.
    pub divergent: bool,
    /// Gradient evaluations (leapfrog steps) spent.
    pub n_grad: usize,
    /// NUTS tree depth (0 for static HMC).
    pub depth: usize,
}

/// A Markov transition that leaves `exp(log π)` invariant, given a step size and a
/// mass matrix.
pub trait Kernel {
    /// Moves `z` (its position, log density and gradient; the momentum is drawn here)
    /// to the next state of the chain.
    fn transition<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
    ) -> Transition;
}
