//! Static Hamiltonian Monte Carlo: a fixed number of leapfrog steps, then a Metropolis
//! accept/reject on the change of the Hamiltonian.

use super::kernel::{Kernel, Transition, WeightedPoints};
use super::leapfrog::{trajectory, PhasePoint};
use super::mass::Metric;
use super::rng::SamplerRng;
use super::target::LogDensity;

/// Static HMC with `steps` leapfrog steps per transition; the step size is drawn
/// uniformly from `[(1 - jitter) ε, (1 + jitter) ε]` at each transition (a jitter
/// breaks the periodic orbits a fixed trajectory length can fall into).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaticHmc {
    /// Leapfrog steps per transition.
    pub steps: usize,
    /// Relative step-size jitter in `[0, 1)`.
    pub jitter: f64,
}

impl StaticHmc {
    /// `steps` leapfrog steps, no jitter.
    pub fn new(steps: usize) -> Self {
        StaticHmc { steps, jitter: 0.0 }
    }
    /// Sets the jitter.
    pub fn jitter(mut self, j: f64) -> Self {
        self.jitter = j;
        self
    }
}

/// A change of the Hamiltonian above this is a divergence (Stan's threshold).
pub const MAX_ENERGY_ERROR: f64 = 1000.0;

impl StaticHmc {
    /// One transition; with `points`, also the start and the proposal weighted by
    /// `1 - α` and `α`.
    fn run<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
        points: Option<&mut WeightedPoints>,
    ) -> Transition {
        z.p = metric.sample_momentum(rng);
        let h0 = z.hamiltonian(metric);
        let eps = if self.jitter > 0.0 {
            eps * (1.0 + self.jitter * (2.0 * rng.uniform() - 1.0))
        } else {
            eps
        };
        let mut proposal = z.clone();
        let (finite, taken) = trajectory(target, metric, &mut proposal, eps, self.steps);
        let h = proposal.hamiltonian(metric);
        let divergent = !finite || h - h0 > MAX_ENERGY_ERROR;
        // min(1, exp(H0 - H)); a non-finite H gives exactly 0.
        let accept_prob = if finite { (h0 - h).exp().min(1.0) } else { 0.0 };
        // A divergent proposal is never accepted: its probability is 0.
        let alpha = if divergent || accept_prob.is_nan() {
            0.0
        } else {
            accept_prob
        };
        if let Some(points) = points {
            points.clear();
            points.push(z.q.clone(), 1.0 - alpha);
            points.push(proposal.q.clone(), alpha);
        }
        if !divergent && rng.uniform() < accept_prob {
            *z = proposal;
        }
        Transition {
            accept_prob: if accept_prob.is_nan() {
                0.0
            } else {
                accept_prob
            },
            divergent,
            n_grad: taken,
            depth: 0,
        }
    }
}

impl Kernel for StaticHmc {
    fn transition<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
    ) -> Transition {
        self.run(target, metric, eps, z, rng, None)
    }

    fn transition_weighted<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
        points: &mut WeightedPoints,
    ) -> Transition {
        self.run(target, metric, eps, z, rng, Some(points))
    }
}
