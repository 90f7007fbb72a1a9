//! Update steps as pure functions of (parameters, gradient, direction, optimizer
//! state, hyperparameters) → (new parameters, new state).
//!
//! `minimize` is built from these: it computes the direction with the method, then
//! calls [`apply_step`] (schedules and adaptive rates) or, after a line search,
//! [`apply_step_length`]. Nothing here mutates its inputs or keeps hidden state, and
//! the arithmetic is [`Tangent`] operations (plus the elementwise maps of the adaptive
//! rates), so that a training loop written with these functions can later be
//! differentiated with respect to the hyperparameters (hypergradients).
//!
//! One iteration, for a direction `p` (for gradient descent `p = -g`):
//!
//! ```text
//! s        = rate(t) p                 schedules (constant, 1/t decay, exp decay, vector)
//!          | α p                       line searches (α depends on the objective)
//!          | adaptive(g, p, moments)   AdaGrad, RMSProp, Adam
//! (u, v')  = momentum(v, s)            u = s; or v' = μ v + s, u = v'; or Nesterov u = μ v' + s
//! x'       = x + u
//! ```
//!
//! The last two lines are one rule of [`optim::update`](super::update)
//! ([`Momentum::update`]): with a schedule or a line search it takes `p` and the rate,
//! with an adaptive rate the step `s` and rate 1.

use super::adaptive;
use super::learning_rate::LearningRate;
use super::momentum::Momentum;
use super::params::Params;
use super::vector::neg;
use super::OptimError;
use crate::tangent::Tangent;

/// The state a first-order update carries from one iteration to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct StepState<P> {
    /// The iteration number `t` (from 0): the index of schedules and of Adam's bias
    /// correction.
    pub t: usize,
    /// Momentum velocity.
    pub velocity: P,
    /// Adam's first moment.
    pub first_moment: P,
    /// The squared-gradient statistic of AdaGrad (sum), RMSProp (moving average) and
    /// Adam (second moment).
    pub second_moment: P,
}

impl<P: Tangent> StepState<P> {
    /// The initial state for parameters shaped like `x`: iteration 0, all zero.
    pub fn new(x: &P) -> Self {
        StepState {
            t: 0,
            velocity: x.zero_like(),
            first_moment: x.zero_like(),
            second_moment: x.zero_like(),
        }
    }
}

/// The step `s` (before momentum) of a schedule or adaptive rule, with the new moments
/// `(s, first_moment, second_moment)`. Line searches need the objective and give
/// [`OptimError::NeedsObjective`]; past the end of a schedule vector,
/// [`OptimError::ScheduleEnded`].
pub fn rate_step<P: Tangent>(
    lr: &LearningRate,
    g: &P,
    p: &P,
    state: &StepState<P>,
) -> Result<(P, P, P), OptimError> {
    let keep = |s: P| (s, state.first_moment.clone(), state.second_moment.clone());
    match lr {
        LearningRate::AdaGrad { a0 } => {
            let (s, v) = adaptive::adagrad(g, p, &state.second_moment, *a0);
            Ok((s, state.first_moment.clone(), v))
        }
        LearningRate::RmsProp { a0, k } => {
            let (s, v) = adaptive::rmsprop(g, p, &state.second_moment, *a0, *k);
            Ok((s, state.first_moment.clone(), v))
        }
        LearningRate::Adam(hp) => Ok(adaptive::adam(
            g,
            p,
            &state.first_moment,
            &state.second_moment,
            state.t,
            hp,
        )),
        other => {
            let mut s = p.clone();
            s.scale(scheduled_rate(other, state.t)?);
            Ok(keep(s))
        }
    }
}

/// The rate of a schedule rule at iteration `t`: [`OptimError::NeedsObjective`] for
/// line searches, [`OptimError::ScheduleEnded`] past the end of a schedule vector.
fn scheduled_rate(lr: &LearningRate, t: usize) -> Result<f64, OptimError> {
    match lr {
        LearningRate::Backtrack { .. } | LearningRate::StrongWolfe { .. } => {
            Err(OptimError::NeedsObjective)
        }
        LearningRate::Schedule(s) if t >= s.len() => {
            Err(OptimError::ScheduleEnded { t, len: s.len() })
        }
        other => Ok(other
            .scheduled(t)
            .expect("schedule rules have a rate at every t checked above")),
    }
}

/// One update along the direction `p` with a schedule or adaptive learning rate and
/// momentum: returns `(x', state')`. A schedule's rate `a` goes into the update rule
/// with `p` ([`Momentum::update`]); an adaptive rule's step `s` goes in with rate 1.
pub fn apply_step<P: Tangent>(
    x: &P,
    g: &P,
    p: &P,
    state: &StepState<P>,
    lr: &LearningRate,
    momentum: &Momentum,
) -> Result<(P, StepState<P>), OptimError> {
    let adaptive = matches!(
        lr,
        LearningRate::AdaGrad { .. } | LearningRate::RmsProp { .. } | LearningRate::Adam(_)
    );
    let (step, a, first_moment, second_moment) = if adaptive {
        let (s, m, v) = rate_step(lr, g, p, state)?;
        (Some(s), 1.0, m, v)
    } else {
        let a = scheduled_rate(lr, state.t)?;
        let (m, v) = (state.first_moment.clone(), state.second_moment.clone());
        (None, a, m, v)
    };
    let (x_new, velocity) = momentum.update(x, &state.velocity, step.as_ref().unwrap_or(p), a);
    Ok((
        x_new,
        StepState {
            t: state.t + 1,
            velocity,
            first_moment,
            second_moment,
        },
    ))
}

/// One update by the step `alpha p` (from a line search) and momentum: returns
/// `(x', state')`. Without momentum `x' = x + alpha p` exactly as the line search
/// evaluated it.
pub fn apply_step_length<P: Tangent>(
    x: &P,
    p: &P,
    alpha: f64,
    state: &StepState<P>,
    momentum: &Momentum,
) -> (P, StepState<P>) {
    let (x_new, velocity) = momentum.update(x, &state.velocity, p, alpha);
    (
        x_new,
        StepState {
            t: state.t + 1,
            velocity,
            first_moment: state.first_moment.clone(),
            second_moment: state.second_moment.clone(),
        },
    )
}

/// A whole gradient-descent update as `minimize` does it with `params`: clip the
/// gradient, `p = -g`, then [`apply_step`]. For schedule and adaptive learning rates.
pub fn gradient_descent_step<P: Tangent>(
    x: &P,
    g: &P,
    state: &StepState<P>,
    params: &Params,
) -> Result<(P, StepState<P>), OptimError> {
    let g = params.gradient_clipping.apply(g);
    let p = neg(&g);
    apply_step(x, &g, &p, state, &params.learning_rate, &params.momentum)
}
