//! Gradient-based optimization: Hype's `Optimize.Minimize`, argmin-style.
//!
//! ```
//! use hype_runtime::optim::{minimize, LearningRate, Params, StopReason};
//! use ndarray::{array, Array1};
//!
//! // f(x) = (x0 - 1)² + 10 (x1 + 2)², with its gradient (with Hype, write
//! // `|x: &Array1<f64>| value_and_grad!(f)(x)` for a #[differentiable] `f`).
//! let f = |x: &Array1<f64>| {
//!     let (a, b) = (x[0] - 1.0, x[1] + 2.0);
//!     (a * a + 10.0 * b * b, array![2.0 * a, 20.0 * b])
//! };
//! let r = minimize(f, array![0.0, 0.0], &Params::lbfgs());
//! assert_eq!(r.reason, StopReason::Converged);
//! assert!((r.x[0] - 1.0).abs() < 1e-6 && (r.x[1] + 2.0).abs() < 1e-6);
//!
//! // Hype's defaults (gradient descent, RMSProp, 100 iterations), changed where needed.
//! let params = Params::default()
//!     .epochs(3000)
//!     .learning_rate(LearningRate::RmsProp { a0: 0.01, k: 0.9 });
//! let r = minimize(f, array![0.3, 0.7], &params);
//! assert_eq!(r.history.len(), r.iterations + 1);
//! assert!(r.value < 1e-3);
//! ```
//!
//! # Pieces
//!
//! * [`Objective`] — what is minimized: any closure `Fn(&P) -> (f64, P)` (or
//!   `(f32, P)`) over a
//!   parameter type `P: Tangent` (arrays, tuples, `#[derive(Tangent)]` structs), or a
//!   [`Problem`] that adds a Hessian-vector product (Newton-CG) and a validation
//!   function (early stopping, return-best).
//! * [`SearchDirection`] — the one small trait of the methods, one per file:
//!   [`gd`] (gradient descent), [`cg`] (nonlinear conjugate gradient: Hestenes–Stiefel,
//!   Fletcher–Reeves, Dai–Yuan, conjugate descent, with restarts), [`newton_cg`]
//!   (truncated Newton on a user-provided Hessian-vector product), [`lbfgs`].
//! * [`LearningRate`] — the step length: schedules (constant, 1/t decay, exponential
//!   decay, schedule vector), line searches behind the [`LineSearch`] trait
//!   ([`backtracking`] (Armijo), [`strong_wolfe`]), adaptive rates ([`adaptive`]:
//!   AdaGrad, RMSProp, Adam).
//! * [`Momentum`] (classical, Nesterov), [`GradientClipping`] (by norm),
//!   [`EarlyStopping`] (stagnation / overfitting patience, checked every
//!   `validation_interval` iterations), return-best.
//! * [`Params`] — the configuration, with Hype's defaults (see its table), builder
//!   methods and presets ([`Params::lbfgs`], [`Params::newton_cg`],
//!   [`Params::conjugate_gradient`], [`Params::gradient_descent`]).
//! * [`train`] / [`train_validated`] — a [`Tangent`](crate::Tangent) model on a
//!   [`Dataset`](crate::data::Dataset) with full-batch, minibatch or stochastic
//!   steps, validation, early stopping, return-best and a progress bar →
//!   [`TrainResult`] (see the [`train`](train()) docs for one iteration).
//! * [`minimize`] / [`try_minimize`] (closures), [`minimize_objective`] /
//!   [`try_minimize_objective`] (any [`Objective`]) → [`MinimizeResult`] (point, value, iterations,
//!   loss history, stop reason, evaluation counts).
//!
//! # One iteration
//!
//! At the iterate `x` with value `f` and gradient `g`:
//!
//! 1. every `validation_interval` iterations: the validation loss (or `f`) is checked
//!    for early stopping and return-best;
//! 2. stop if `|g| <= gradient_tolerance`;
//! 3. `g` is clipped; the method gives a direction `p` (restarted to `-g` when `p` is
//!    not a descent direction);
//! 4. the step `s` along `p` comes from the learning rate, momentum turns it into the
//!    update `u`, and `x ← x + u` ([`step`]);
//! 5. `f` and `g` are evaluated at the new point (reused from the line search when it
//!    has them).
//!
//! # Update steps are pure functions
//!
//! Every update is available as a pure function of (parameters, gradient, optimizer
//! state, hyperparameters) returning the new parameters and state:
//! [`step::gradient_descent_step`], [`step::apply_step`], [`step::apply_step_length`]
//! with [`StepState`]; the directions [`gd::steepest_descent`], [`cg::direction`],
//! [`lbfgs::two_loop`], [`newton_cg::truncated_cg`]; the rates
//! [`LearningRate::scheduled`], [`adaptive::adagrad`], [`adaptive::rmsprop`],
//! [`adaptive::adam`]; [`Momentum::apply`], [`Momentum::update`],
//! [`GradientClipping::apply`]. The update rules themselves (gradient descent, heavy
//! ball, Nesterov, Adam) are the `#[differentiable(order = 2)]` functions of
//! [`update`], run on the flattened values: the same functions are the steps of the
//! hypergradient dynamics of [`hyper`](crate::hyper), and a training loop written with
//! them inside a `#[differentiable]` function differentiates as it stands.
//!
//! # Differences from Hype
//!
//! * Hype's `NewtonCG` is a nonlinear CG whose β uses a Hessian-vector product; here
//!   Newton-CG is the truncated Newton method (inner CG on the Newton system).
//!   L-BFGS and Adam are not in Hype; Hype's exact `Newton` (dense Hessian solve) is
//!   not here.
//! * Hype's strong Wolfe search draws trial steps at random; this one is
//!   deterministic (Nocedal & Wright 3.5/3.6 with cubic interpolation).
//! * Nesterov momentum uses the velocity (Sutskever et al. 2013); Hype feeds back the
//!   previous update instead.
//! * With a validation function, return-best ranks points by validation loss (Hype's
//!   `Train` ranks by training loss). The best point is returned only when it is
//!   strictly better than the last iterate.
//! * `gradient_tolerance` (default off) can stop before `epochs`.
//! * Hyperparameters and the objectives of `minimize` are `f64` (Hype computes in
//!   `f32`); parameters may be `f32` arrays (`f32` models), whose updates are computed
//!   in `f64` and rounded, and the loss of [`train`] may be `f32`. The update rules of
//!   [`update`] are generic over the float type.

pub mod adaptive;
pub mod backtracking;
pub mod cg;
mod clip;
mod direction;
pub(crate) mod early_stopping;
pub mod gd;
pub mod hessian_free;
pub mod lbfgs;
mod learning_rate;
mod line_search;
mod minimize;
mod momentum;
pub mod newton_cg;
mod objective;
mod params;
mod result;
pub mod step;
pub mod strong_wolfe;
mod train;
pub mod update;
mod vector;

pub use backtracking::Backtracking;
pub use cg::NonlinearCg;
pub use clip::GradientClipping;
pub use direction::SearchDirection;
pub use early_stopping::{improves, EarlyStopping};
pub use gd::GradientDescent;
pub use hessian_free::HessianFree;
pub use lbfgs::Lbfgs;
pub use learning_rate::{AdamParams, LearningRate};
pub use line_search::{LineSearch, LineSearchError, LineSearchStep};
pub use minimize::{minimize, minimize_objective, try_minimize, try_minimize_objective};
pub use momentum::Momentum;
pub use newton_cg::NewtonCg;
pub use objective::{Evaluations, Objective, Problem};
pub use params::{CgVariant, Method, Params};
pub use result::{MinimizeResult, OptimError, StopReason};
pub use step::StepState;
pub use strong_wolfe::StrongWolfe;
pub use train::{train, train_validated, Batch, TrainError, TrainParams, TrainResult};
