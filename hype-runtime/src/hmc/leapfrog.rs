//! The leapfrog (Störmer–Verlet) integrator of Hamiltonian dynamics: time-reversible
//! and volume-preserving, which is what makes the Metropolis correction exact.

use super::mass::Metric;
use super::target::LogDensity;
use ndarray::Array1;

/// A point of phase space with the log density and its gradient at the position.
#[derive(Debug, Clone, PartialEq)]
pub struct PhasePoint {
    /// Position.
    pub q: Array1<f64>,
    /// Momentum.
    pub p: Array1<f64>,
    /// `log π(q)`.
    pub logp: f64,
    /// `∇ log π(q)`.
    pub grad: Array1<f64>,
}

impl PhasePoint {
    /// The point at `q` with momentum `p`, evaluating the target once.
    pub fn new<T: LogDensity + ?Sized>(target: &T, q: Array1<f64>, p: Array1<f64>) -> Self {
        let (logp, grad) = target.logp_grad(&q);
        PhasePoint { q, p, logp, grad }
    }

    /// The Hamiltonian `H = -log π(q) + ½ pᵀ M⁻¹ p`; `+∞` when it is not finite, or when the
    /// gradient is not (so that a NaN or infinite log density reads as a divergence).
    pub fn hamiltonian(&self, metric: &Metric) -> f64 {
        let h = -self.logp + metric.kinetic(&self.p);
        if h.is_finite() && self.grad.iter().all(|g| g.is_finite()) {
            h
        } else {
            f64::INFINITY
        }
    }
}

/// One leapfrog step of size `eps` (negative: backwards in time), in place: half a step
/// of momentum, a full step of position, half a step of momentum. One gradient evaluation.
pub fn leapfrog<T: LogDensity + ?Sized>(target: &T, metric: &Metric, z: &mut PhasePoint, eps: f64) {
    z.p.scaled_add(0.5 * eps, &z.grad);
    let v = metric.velocity(&z.p);
    z.q.scaled_add(eps, &v);
    let (logp, grad) = target.logp_grad(&z.q);
    z.logp = logp;
    z.grad = grad;
    z.p.scaled_add(0.5 * eps, &z.grad);
}

/// `steps` leapfrog steps of size `eps`; stops early as soon as the Hamiltonian stops
/// being finite. Returns whether it stayed finite and the steps taken.
pub fn trajectory<T: LogDensity + ?Sized>(
    target: &T,
    metric: &Metric,
    z: &mut PhasePoint,
    eps: f64,
    steps: usize,
) -> (bool, usize) {
    for k in 0..steps {
        leapfrog(target, metric, z, eps);
        if !z.hamiltonian(metric).is_finite() {
            return (false, k + 1);
        }
    }
    (true, steps)
}
