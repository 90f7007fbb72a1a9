//! Learning rates: how long a step to take along the search direction.
//!
//! Three kinds, as in Hype's `LearningRate`:
//!
//! * **schedules** give a scalar rate from the iteration number alone (constant, 1/t
//!   decay, exponential decay, a schedule vector) — [`LearningRate::scheduled`];
//! * **line searches** look at the objective along the direction (Armijo
//!   backtracking in [`backtracking`](super::backtracking), strong Wolfe in
//!   [`strong_wolfe`](super::strong_wolfe));
//! * **adaptive** rules keep per-coordinate statistics of the gradient (AdaGrad,
//!   RMSProp, Adam) — [`adaptive`](super::adaptive).
//!
//! Defaults are Hype's (`LearningRate.Default*` in Hype's `Optimize.fs`); Adam is not in
//! Hype and takes Kingma & Ba's (2015) defaults.

use super::OptimError;

/// Hyperparameters of Adam (Kingma & Ba, 2015).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    /// Step size α. Default 0.001 (the paper's).
    pub lr: f64,
    /// Decay of the first-moment average β₁. Default 0.9 (the paper's).
    pub beta1: f64,
    /// Decay of the second-moment average β₂. Default 0.999 (the paper's).
    pub beta2: f64,
    /// ε added to `sqrt(v̂)` in the denominator. Default 1e-8 (the paper's).
    pub epsilon: f64,
}

impl Default for AdamParams {
    fn default() -> Self {
        AdamParams {
            lr: 0.001,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

/// How the step length is chosen (Hype's `LearningRate`).
#[derive(Clone, Debug, PartialEq)]
pub enum LearningRate {
    /// A fixed rate `a`.
    Constant(f64),
    /// `a0 / (1 + k t)` at iteration `t` (from 0).
    Decay { a0: f64, k: f64 },
    /// `a0 exp(-k t)` at iteration `t` (from 0).
    ExpDecay { a0: f64, k: f64 },
    /// Rate `schedule[t]` at iteration `t`; the schedule's length overrides
    /// `Params::epochs` (as in Hype).
    Schedule(Vec<f64>),
    /// Armijo backtracking: try `a0`, shrink by `rho` until
    /// `f(x + a p) <= f(x) + c a <∇f(x), p>`.
    Backtrack { a0: f64, c: f64, rho: f64 },
    /// Strong Wolfe line search (sufficient decrease `c1`, curvature `c2`), steps at
    /// most `max_step`.
    StrongWolfe { max_step: f64, c1: f64, c2: f64 },
    /// AdaGrad: per-coordinate rate `a0 / sqrt(G + 1e-8)`, `G` the running sum of
    /// squared gradients.
    AdaGrad { a0: f64 },
    /// RMSProp: per-coordinate rate `a0 / sqrt(G + 1e-8)`, `G ← k G + (1 - k) g²`.
    RmsProp { a0: f64, k: f64 },
    /// Adam with bias-corrected moment estimates.
    Adam(AdamParams),
}

impl LearningRate {
    /// Hype's `DefaultConstant`: `Constant(0.001)`.
    pub fn default_constant() -> Self {
        LearningRate::Constant(0.001)
    }
    /// Hype's `DefaultDecay`: `Decay(1, 0.1)`.
    pub fn default_decay() -> Self {
        LearningRate::Decay { a0: 1.0, k: 0.1 }
    }
    /// Hype's `DefaultExpDecay`: `ExpDecay(1, 0.1)`.
    pub fn default_exp_decay() -> Self {
        LearningRate::ExpDecay { a0: 1.0, k: 0.1 }
    }
    /// Hype's `DefaultBacktrack`: `Backtrack(a0 = 1, c = 1e-4, rho = 0.5)`.
    pub fn default_backtrack() -> Self {
        LearningRate::Backtrack {
            a0: 1.0,
            c: 1e-4,
            rho: 0.5,
        }
    }
    /// Hype's `DefaultStrongWolfe`: `StrongWolfe(lmax = 1, c1 = 1e-4, c2 = 0.5)`.
    pub fn default_strong_wolfe() -> Self {
        LearningRate::StrongWolfe {
            max_step: 1.0,
            c1: 1e-4,
            c2: 0.5,
        }
    }
    /// Hype's `DefaultAdaGrad`: `AdaGrad(0.001)`.
    pub fn default_adagrad() -> Self {
        LearningRate::AdaGrad { a0: 0.001 }
    }
    /// Hype's `DefaultRMSProp`: `RMSProp(0.001, 0.9)` — also Hype's default learning
    /// rate of `Params.Default`.
    pub fn default_rmsprop() -> Self {
        LearningRate::RmsProp { a0: 0.001, k: 0.9 }
    }
    /// Adam with Kingma & Ba's defaults (α = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
    pub fn default_adam() -> Self {
        LearningRate::Adam(AdamParams::default())
    }

    /// The scalar rate of a schedule rule at iteration `t` (from 0); `None` for line
    /// searches and adaptive rules, and past the end of a schedule vector.
    pub fn scheduled(&self, t: usize) -> Option<f64> {
        let tf = t as f64;
        match self {
            LearningRate::Constant(a) => Some(*a),
            LearningRate::Decay { a0, k } => Some(a0 / (1.0 + k * tf)),
            LearningRate::ExpDecay { a0, k } => Some(a0 * (-k * tf).exp()),
            LearningRate::Schedule(s) => s.get(t).copied(),
            _ => None,
        }
    }

    /// Whether this rule is a line search (it needs the objective).
    pub fn is_line_search(&self) -> bool {
        matches!(
            self,
            LearningRate::Backtrack { .. } | LearningRate::StrongWolfe { .. }
        )
    }

    /// Whether this rule keeps per-coordinate gradient statistics.
    pub fn is_adaptive(&self) -> bool {
        matches!(
            self,
            LearningRate::AdaGrad { .. } | LearningRate::RmsProp { .. } | LearningRate::Adam(_)
        )
    }

    /// Checks every hyperparameter's range.
    pub fn validate(&self) -> Result<(), OptimError> {
        use super::params::check;
        match self {
            LearningRate::Constant(a) => check("Constant rate", *a, *a > 0.0, "> 0"),
            LearningRate::Decay { a0, k } | LearningRate::ExpDecay { a0, k } => {
                check("decay a0", *a0, *a0 > 0.0, "> 0")?;
                check("decay k", *k, *k >= 0.0, ">= 0")
            }
            LearningRate::Schedule(s) => {
                if s.is_empty() {
                    return Err(OptimError::EmptySchedule);
                }
                for a in s {
                    check("schedule entry", *a, true, "finite")?;
                }
                Ok(())
            }
            LearningRate::Backtrack { a0, c, rho } => {
                check("Backtrack a0", *a0, *a0 > 0.0, "> 0")?;
                check("Backtrack c", *c, *c > 0.0 && *c < 1.0, "in (0, 1)")?;
                check("Backtrack rho", *rho, *rho > 0.0 && *rho < 1.0, "in (0, 1)")
            }
            LearningRate::StrongWolfe { max_step, c1, c2 } => {
                check("StrongWolfe max_step", *max_step, *max_step > 0.0, "> 0")?;
                check("StrongWolfe c1", *c1, *c1 > 0.0 && *c1 < 1.0, "in (0, 1)")?;
                check("StrongWolfe c2", *c2, *c2 > *c1 && *c2 < 1.0, "in (c1, 1)")
            }
            LearningRate::AdaGrad { a0 } => check("AdaGrad a0", *a0, *a0 > 0.0, "> 0"),
            LearningRate::RmsProp { a0, k } => {
                check("RMSProp a0", *a0, *a0 > 0.0, "> 0")?;
                check("RMSProp k", *k, (0.0..1.0).contains(k), "in [0, 1)")
            }
            LearningRate::Adam(a) => {
                check("Adam lr", a.lr, a.lr > 0.0, "> 0")?;
                check(
                    "Adam beta1",
                    a.beta1,
                    (0.0..1.0).contains(&a.beta1),
                    "in [0, 1)",
                )?;
                check(
                    "Adam beta2",
                    a.beta2,
                    (0.0..1.0).contains(&a.beta2),
                    "in [0, 1)",
                )?;
                check("Adam epsilon", a.epsilon, a.epsilon > 0.0, "> 0")
            }
        }
    }
}

impl Default for LearningRate {
    /// Hype's default: `RMSProp(0.001, 0.9)`.
    fn default() -> Self {
        LearningRate::default_rmsprop()
    }
}
