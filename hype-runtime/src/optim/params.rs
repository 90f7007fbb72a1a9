//! The configuration of [`minimize`](super::minimize): Hype's `Params`, with Hype's
//! defaults.

use super::clip::GradientClipping;
use super::early_stopping::EarlyStopping;
use super::learning_rate::LearningRate;
use super::momentum::Momentum;
use super::OptimError;

/// The β formula of nonlinear conjugate gradient (see [`cg`](super::cg)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgVariant {
    /// Hestenes & Stiefel (1952): `β = <g', y> / <p, y>`, `y = g' - g`. Hype's `CG`.
    HestenesStiefel,
    /// Fletcher & Reeves (1964): `β = |g'|² / |g|²`. Hype's `NonlinearCG`.
    FletcherReeves,
    /// Dai & Yuan (1999): `β = |g'|² / <p, y>`. Hype's `DaiYuanCG`.
    DaiYuan,
    /// Fletcher's conjugate descent (1987): `β = |g'|² / -<p, g>`. Hype's `CD`.
    ConjugateDescent,
}

/// The search direction (Hype's `Method`).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Method {
    /// Steepest descent, `p = -g`. Hype's default.
    #[default]
    GradientDescent,
    /// Nonlinear conjugate gradient, `p' = -g' + β p`, restarted with `p = -g` every
    /// `restart` iterations (`None`: every *n* iterations, *n* the number of
    /// parameters — Nocedal & Wright, §5.2), whenever `p'` is not a descent direction,
    /// and when consecutive gradients are far from orthogonal (Powell's test,
    /// `|<g', g>| >= 0.2 |g'|²`).
    ConjugateGradient {
        variant: CgVariant,
        restart: Option<usize>,
    },
    /// Truncated Newton: the direction solves `∇²f(x) p = -g` by linear conjugate
    /// gradient on the objective's Hessian-vector product (which the objective must
    /// provide, see [`Problem::with_hvp`](super::Problem::with_hvp)), at most
    /// `max_inner` inner iterations (`None`: *n*), to the relative residual
    /// `min(max_forcing, sqrt|g|)` (Nocedal & Wright, Algorithm 7.1, who take
    /// `max_forcing = 0.5`; [`Method::newton_cg`] takes 0.01, which on the test
    /// problems needs a third of the iterations and fewer Hessian-vector products in
    /// total: Rosenbrock 22 iterations / 43 products instead of 64 / 111).
    NewtonCg {
        max_inner: Option<usize>,
        max_forcing: f64,
    },
    /// Limited-memory BFGS with the last `memory` pairs (two-loop recursion, Nocedal
    /// & Wright Algorithm 7.4). The usual memory is 10 (N&W suggest 3 to 20).
    Lbfgs { memory: usize },
}

impl Method {
    /// Nonlinear CG of `variant` with the default restarts.
    pub fn cg(variant: CgVariant) -> Self {
        Method::ConjugateGradient {
            variant,
            restart: None,
        }
    }
    /// Newton-CG with the default inner iteration limit (*n*) and `max_forcing = 0.01`.
    pub fn newton_cg() -> Self {
        Method::NewtonCg {
            max_inner: None,
            max_forcing: 0.01,
        }
    }
    /// L-BFGS with memory 10.
    pub fn lbfgs() -> Self {
        Method::Lbfgs { memory: 10 }
    }
}

/// Configuration of [`minimize`](super::minimize) (Hype's `Params`).
///
/// [`Params::default`] is Hype's `Params.Default` (the training-only fields — loss,
/// regularization, batch — belong to `train`). The defaults, and where they come from:
///
/// | field | default | source |
/// |---|---|---|
/// | `epochs` | 100 | Hype `Params.Default.Epochs` |
/// | `method` | gradient descent | Hype `Method = GD` |
/// | `learning_rate` | RMSProp(a0 = 0.001, k = 0.9) | Hype `LearningRate.DefaultRMSProp` |
/// | `momentum` | none | Hype `Momentum = NoMomentum` |
/// | `gradient_clipping` | none | Hype `GradientClipping = NoClip` |
/// | `early_stopping` | none | Hype `EarlyStopping = NoEarly` |
/// | `improvement_threshold` | 0.995 | Hype `ImprovementThreshold` |
/// | `return_best` | true | Hype `ReturnBest` |
/// | `validation_interval` | 10 | Hype `ValidationInterval` |
/// | `gradient_tolerance` | none | not in Hype (Hype always runs `epochs` iterations) |
///
/// Fields can be set directly or with the builder methods:
///
/// ```
/// use hype_runtime::optim::{LearningRate, Momentum, Params};
///
/// let p = Params::default()
///     .epochs(3000)
///     .learning_rate(LearningRate::RmsProp { a0: 0.01, k: 0.9 })
///     .momentum(Momentum::default_nesterov());
/// assert_eq!(p.validation_interval, 10); // Hype's default, untouched
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Maximum number of iterations (updates). A `LearningRate::Schedule` overrides
    /// it with its length.
    pub epochs: usize,
    /// The search direction.
    pub method: Method,
    /// The step length rule.
    pub learning_rate: LearningRate,
    /// Momentum applied to the steps.
    pub momentum: Momentum,
    /// Clipping of the gradient before the method sees it.
    pub gradient_clipping: GradientClipping,
    /// Early stopping on stagnation (and, with a validation function, overfitting).
    pub early_stopping: EarlyStopping,
    /// A loss counts as an improvement on `best` when it is below
    /// `best - (1 - threshold) |best|` (Hype: `l < threshold * best`, the same for
    /// positive losses). Governs return-best and early stopping.
    pub improvement_threshold: f64,
    /// Return the best point seen (by validation loss when the objective has a
    /// validation function, else by training loss) rather than the last one.
    pub return_best: bool,
    /// Validation and stagnation checks every this many iterations.
    pub validation_interval: usize,
    /// Stop when the gradient norm is at most this (before clipping).
    pub gradient_tolerance: Option<f64>,
    /// Show a progress bar with the current loss (drawn only on a terminal stderr and
    /// without `HYPE_QUIET`, see [`crate::report::progress_visible`]). Off by default,
    /// so that library code calling `minimize` stays quiet unless asked.
    pub progress: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            epochs: 100,
            method: Method::GradientDescent,
            learning_rate: LearningRate::default(),
            momentum: Momentum::NoMomentum,
            gradient_clipping: GradientClipping::NoClip,
            early_stopping: EarlyStopping::NoEarly,
            improvement_threshold: 0.995,
            return_best: true,
            validation_interval: 10,
            gradient_tolerance: None,
            progress: false,
        }
    }
}

impl Params {
    /// Gradient descent with a constant learning rate `lr` (otherwise the defaults).
    pub fn gradient_descent(lr: f64) -> Self {
        Params::default().learning_rate(LearningRate::Constant(lr))
    }

    /// Nonlinear CG of `variant` with a strong Wolfe line search (`c1 = 1e-4`,
    /// `c2 = 0.1`, steps up to 100), 1000 iterations, gradient tolerance 1e-6.
    ///
    /// Hype's default strong Wolfe parameters (`c2 = 0.5`, steps up to 1) are too
    /// loose for CG, whose conjugacy relies on nearly exact line searches;
    /// `c2 = 0.1` is Nocedal & Wright's recommendation for CG.
    pub fn conjugate_gradient(variant: CgVariant) -> Self {
        Params::default()
            .method(Method::cg(variant))
            .learning_rate(LearningRate::StrongWolfe {
                max_step: 100.0,
                c1: 1e-4,
                c2: 0.1,
            })
            .epochs(1000)
            .gradient_tolerance(1e-6)
    }

    /// Newton-CG with Armijo backtracking from the unit step (Hype's default
    /// backtracking parameters), 100 iterations, gradient tolerance 1e-6. The objective
    /// must have a Hessian-vector product.
    pub fn newton_cg() -> Self {
        Params::default()
            .method(Method::newton_cg())
            .learning_rate(LearningRate::default_backtrack())
            .epochs(100)
            .gradient_tolerance(1e-6)
    }

    /// L-BFGS (memory 10) with a strong Wolfe line search from the unit step
    /// (`c1 = 1e-4`, `c2 = 0.9`, Nocedal & Wright's values for quasi-Newton methods),
    /// 1000 iterations, gradient tolerance 1e-6.
    pub fn lbfgs() -> Self {
        Params::default()
            .method(Method::lbfgs())
            .learning_rate(LearningRate::StrongWolfe {
                max_step: 1.0,
                c1: 1e-4,
                c2: 0.9,
            })
            .epochs(1000)
            .gradient_tolerance(1e-6)
    }

    /// Sets [`Params::epochs`].
    pub fn epochs(mut self, n: usize) -> Self {
        self.epochs = n;
        self
    }
    /// Sets [`Params::method`].
    pub fn method(mut self, m: Method) -> Self {
        self.method = m;
        self
    }
    /// Sets [`Params::learning_rate`].
    pub fn learning_rate(mut self, lr: LearningRate) -> Self {
        self.learning_rate = lr;
        self
    }
    /// Sets [`Params::momentum`].
    pub fn momentum(mut self, m: Momentum) -> Self {
        self.momentum = m;
        self
    }
    /// Sets [`Params::gradient_clipping`].
    pub fn gradient_clipping(mut self, c: GradientClipping) -> Self {
        self.gradient_clipping = c;
        self
    }
    /// Sets [`Params::early_stopping`].
    pub fn early_stopping(mut self, e: EarlyStopping) -> Self {
        self.early_stopping = e;
        self
    }
    /// Sets [`Params::improvement_threshold`].
    pub fn improvement_threshold(mut self, t: f64) -> Self {
        self.improvement_threshold = t;
        self
    }
    /// Sets [`Params::return_best`].
    pub fn return_best(mut self, b: bool) -> Self {
        self.return_best = b;
        self
    }
    /// Sets [`Params::validation_interval`].
    pub fn validation_interval(mut self, n: usize) -> Self {
        self.validation_interval = n;
        self
    }
    /// Sets [`Params::gradient_tolerance`].
    pub fn gradient_tolerance(mut self, tol: f64) -> Self {
        self.gradient_tolerance = Some(tol);
        self
    }
    /// Sets [`Params::progress`].
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// The number of iterations `minimize` runs at most: the schedule's length for a
    /// `LearningRate::Schedule`, else `epochs`.
    pub fn iterations(&self) -> usize {
        match &self.learning_rate {
            LearningRate::Schedule(s) => s.len(),
            _ => self.epochs,
        }
    }

    /// Checks every hyperparameter's range.
    pub fn validate(&self) -> Result<(), OptimError> {
        self.learning_rate.validate()?;
        self.momentum.validate()?;
        self.gradient_clipping.validate()?;
        self.early_stopping.validate()?;
        let t = self.improvement_threshold;
        check("improvement_threshold", t, t > 0.0 && t <= 1.0, "in (0, 1]")?;
        if self.validation_interval == 0 {
            return Err(OptimError::InvalidParameter {
                name: "validation_interval",
                value: 0.0,
                expected: ">= 1",
            });
        }
        if let Some(tol) = self.gradient_tolerance {
            check("gradient_tolerance", tol, tol >= 0.0, ">= 0")?;
        }
        let count = |name, n: usize| {
            if n == 0 {
                Err(OptimError::InvalidParameter {
                    name,
                    value: 0.0,
                    expected: ">= 1",
                })
            } else {
                Ok(())
            }
        };
        match self.method {
            Method::GradientDescent => Ok(()),
            Method::ConjugateGradient { restart, .. } => {
                restart.map_or(Ok(()), |r| count("ConjugateGradient restart", r))
            }
            Method::NewtonCg {
                max_inner,
                max_forcing,
            } => {
                check(
                    "NewtonCg max_forcing",
                    max_forcing,
                    max_forcing > 0.0 && max_forcing < 1.0,
                    "in (0, 1)",
                )?;
                max_inner.map_or(Ok(()), |m| count("NewtonCg max_inner", m))
            }
            Method::Lbfgs { memory } => count("Lbfgs memory", memory),
        }
    }
}

/// `Ok` when `value` is finite and `ok`, else an [`OptimError::InvalidParameter`].
pub(crate) fn check(
    name: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), OptimError> {
    if value.is_finite() && ok {
        Ok(())
    } else {
        Err(OptimError::InvalidParameter {
            name,
            value,
            expected,
        })
    }
}
