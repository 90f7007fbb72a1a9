//! What `minimize` returns, and its errors.

use super::objective::Evaluations;
use super::vector::norm;
use crate::tangent::Tangent;
use crate::Float;
use std::fmt;

/// Why the iteration stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Ran `Params::iterations()` iterations.
    MaxIterations,
    /// The gradient norm reached `Params::gradient_tolerance` (or is exactly zero).
    Converged,
    /// Early stopping: the monitored loss stagnated.
    Stagnation,
    /// Early stopping: training loss kept improving while the validation loss did not.
    Overfitting,
    /// The line search found no acceptable step, also along `-g` (usually: converged
    /// to the precision of floating point).
    LineSearchFailed,
    /// The objective or its gradient became NaN or infinite.
    NonFinite,
}

/// The result of [`minimize`](super::minimize); `V` is the objective's value type
/// (`f64`, or `f32` for an `f32` objective).
#[derive(Clone, Debug)]
pub struct MinimizeResult<P, V = f64> {
    /// The returned point: the best one seen when `return_best` holds and it beats the
    /// last iterate, else the last iterate.
    pub x: P,
    /// `f(x)`.
    pub value: V,
    /// `∇f(x)` (not clipped).
    pub gradient: P,
    /// Updates made.
    pub iterations: usize,
    /// `f` at every iterate: `history[k] = f(x_k)`, `k = 0..=iterations`.
    pub history: Vec<V>,
    /// `(k, validation loss at x_k)` at every check, when the objective has a
    /// validation function.
    pub validation_history: Vec<(usize, V)>,
    /// Why it stopped.
    pub reason: StopReason,
    /// Whether `x` is the remembered best rather than the last iterate.
    pub returned_best: bool,
    /// Calls of each part of the objective.
    pub evaluations: Evaluations,
}

impl<P: Tangent, V: Float> MinimizeResult<P, V> {
    /// `|∇f(x)|` (accumulated in `f64`, as [`Tangent::inner`]).
    pub fn gradient_norm(&self) -> f64 {
        norm(&self.gradient)
    }
}

/// Errors of `try_minimize` and the step functions.
#[derive(Clone, Debug, PartialEq)]
pub enum OptimError {
    /// A hyperparameter is out of its range.
    InvalidParameter {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    /// A `LearningRate::Schedule` with no entries.
    EmptySchedule,
    /// `Method::NewtonCg` on an objective without a Hessian-vector product.
    MissingHvp,
    /// A line-search learning rate given to a step function that has no objective.
    NeedsObjective,
    /// A schedule vector asked for its rate past its end.
    ScheduleEnded { t: usize, len: usize },
}

impl fmt::Display for OptimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptimError::InvalidParameter {
                name,
                value,
                expected,
            } => write!(f, "`{name}` is {value}, expected {expected}"),
            OptimError::EmptySchedule => write!(f, "the learning-rate schedule is empty"),
            OptimError::MissingHvp => write!(
                f,
                "Newton-CG needs a Hessian-vector product: use Problem::new(f).with_hvp(h)"
            ),
            OptimError::NeedsObjective => write!(
                f,
                "line-search learning rates need the objective: use minimize, or apply_step_length with the line search's step"
            ),
            OptimError::ScheduleEnded { t, len } => {
                write!(f, "iteration {t} is past the end of a schedule of length {len}")
            }
        }
    }
}

impl std::error::Error for OptimError {}
