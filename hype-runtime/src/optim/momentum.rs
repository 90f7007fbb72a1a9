//! Momentum (Hype's `Momentum`): classical and Nesterov.

use super::update::{gradient_descent_update, heavy_ball_update, nesterov_update};
use super::OptimError;
use crate::tangent::Tangent;
use ndarray::Array1;

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

    /// Combines the step `s` with the velocity: returns `(update, new velocity)`
    /// ([`Momentum::update`] of the parameters 0 with rate 1).
    pub fn apply<P: Tangent>(&self, velocity: &P, s: P) -> (P, P) {
        match self {
            Momentum::NoMomentum => (s.clone(), s),
            _ => self.update(&velocity.zero_like(), velocity, &s, 1.0),
        }
    }

    /// One update of the parameters `x` along the direction `p` with the rate `a`:
    /// `(x', velocity')` from the rule of [`optim::update`](super::update) —
    /// [`gradient_descent_update`](super::update::gradient_descent_update()) (the new velocity is
    /// the step `a p`), [`heavy_ball_update`](super::update::heavy_ball_update()) or
    /// [`nesterov_update`](super::update::nesterov_update()) — on the flattened values.
    pub fn update<P: Tangent>(&self, x: &P, velocity: &P, p: &P, a: f64) -> (P, P) {
        let (w, d) = (x.flatten(), p.flatten());
        assert_eq!(
            w.len(),
            d.len(),
            "hype::optim: the parameters have {} scalars but the direction has {}",
            w.len(),
            d.len()
        );
        let rate = Array1::from_elem(1, a);
        let (w2, v2) = match *self {
            Momentum::NoMomentum => (gradient_descent_update(&w, &d, &rate), &rate * &d),
            Momentum::Momentum(mu) => heavy_ball_update(&w, &velocity.flatten(), &d, &rate, mu),
            Momentum::Nesterov(mu) => nesterov_update(&w, &velocity.flatten(), &d, &rate, mu),
        };
        let rebuild = |v: &Array1<f64>| {
            x.rebuild(v)
                .expect("hype::optim: an update keeps the parameters' length")
        };
        (rebuild(&w2), rebuild(&v2))
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
