//! The one small trait of the transition kernels (static HMC, NUTS).

use super::leapfrog::PhasePoint;
use super::mass::Metric;
use super::rng::SamplerRng;
use super::target::LogDensity;
use ndarray::Array1;

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

/// The positions a transition could have moved to and the probability of each given
/// everything the transition computed (its trajectory): the conditional distribution
/// of the next state that Rao–Blackwellized estimates average over.
///
/// For multinomial NUTS these are all the points of the final trajectory with weights
/// `exp(-H_i) / Σ_j exp(-H_j)` (Nishimura and Dunson 2020, "Recycling intermediate steps
/// to improve Hamiltonian Monte Carlo"); for static HMC the start and the proposal with
/// weights `1 - α` and `α`. Weights sum to 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeightedPoints {
    /// Positions.
    pub q: Vec<Array1<f64>>,
    /// Their probabilities.
    pub weight: Vec<f64>,
}

impl WeightedPoints {
    /// Forgets all points.
    pub fn clear(&mut self) {
        self.q.clear();
        self.weight.clear();
    }
    /// Adds a point.
    pub fn push(&mut self, q: Array1<f64>, weight: f64) {
        self.q.push(q);
        self.weight.push(weight);
    }
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

    /// [`Kernel::transition`] (the same move, from the same random numbers), also
    /// leaving in `points` the positions it could have moved to with their
    /// probabilities ([`WeightedPoints`]). By default the new state alone, with
    /// weight 1: always valid, and no better than the draw.
    fn transition_weighted<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
        points: &mut WeightedPoints,
    ) -> Transition {
        let t = self.transition(target, metric, eps, z, rng);
        points.clear();
        points.push(z.q.clone(), 1.0);
        t
    }
}
