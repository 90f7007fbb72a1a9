//! Momentum (Hype's `Momentum`): classical and Nesterov.

use super::OptimError;
use crate::tangent::Tangent;

/// How consecutive steps are combined.
///
/// Momentum applies to the step of any learning rate, as in Hype. After a line search
/// it is rarely useful: the search accepts `x + α p`, and the momentum term then
/// moves the iterate elsewhere (on Rosenbrock, backtracking with Nesterov(0.5)
/// stalls). Adam already averages its steps; extra momentum on it can keep it from
/// converging.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Momentum {
    /// The update is the step. Hype's default.
    #[default]
    NoMomentum,
    /// Classical momentum (Polyak's heavy ball): `v' = μ v + s`, update `v'`.
    Momentum(f64),
    /// Nesterov momentum in Sutskever et al.'s (2013) form: `v' = μ v + s`, update
    /// `μ v' + s` (= `μ² v + (1 + μ) s`).
    ///
    /// Hype writes the same formula as `μ² u + (1 + μ) s` with `u` the previous
    /// *update*; here `v` is the velocity, as in the papers, so that the update is
    /// exactly Nesterov's accelerated gradient.
    Nesterov(f64),
}

impl Momentum {
    /// Hype's `DefaultMomentum`: `Momentum(0.9)`.
    pub fn default_momentum() -> Self {
        Momentum::Momentum(0.9)
    }
    /// Hype's `DefaultNesterov`: `Nesterov(0.9)`.
    pub fn default_nesterov() -> Self {
        Momentum::Nesterov(0.9)
    }

    /// Combines the step `s` with the velocity: returns `(update, new velocity)`.
    pub fn apply<P: Tangent>(&self, velocity: &P, s: P) -> (P, P) {
        match *self {
            Momentum::NoMomentum => (s.clone(), s),
            Momentum::Momentum(mu) => {
                let mut v = velocity.clone();
                v.scale(mu);
                v.add_assign_tangent(&s);
                (v.clone(), v)
            }
            Momentum::Nesterov(mu) => {
                let mut v = velocity.clone();
                v.scale(mu);
                v.add_assign_tangent(&s);
                let mut u = v.clone();
                u.scale(mu);
                u.add_assign_tangent(&s);
                (u, v)
            }
        }
    }

    /// Checks that `μ` is in `[0, 1)`.
    pub fn validate(&self) -> Result<(), OptimError> {
        match self {
            Momentum::NoMomentum => Ok(()),
            Momentum::Momentum(mu) | Momentum::Nesterov(mu) => {
                super::params::check("momentum", *mu, (0.0..1.0).contains(mu), "in [0, 1)")
            }
        }
    }
}
