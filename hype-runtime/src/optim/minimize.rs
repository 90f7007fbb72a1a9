//! The driver: `minimize(f, x0, &params)` (Hype's `Optimize.Minimize`).

use super::backtracking::Backtracking;
use super::cg::NonlinearCg;
use super::direction::SearchDirection;
use super::early_stopping::{Monitor, Verdict};
use super::gd::GradientDescent;
use super::lbfgs::Lbfgs;
use super::learning_rate::LearningRate;
use super::line_search::{LineSearch, LineSearchError, LineSearchStep};
use super::newton_cg::NewtonCg;
use super::objective::{Counted, Objective};
use super::params::{Method, Params};
use super::result::{MinimizeResult, OptimError, StopReason};
use super::step::{apply_step, apply_step_length, StepState};
use super::strong_wolfe::StrongWolfe;
use super::vector::{all_finite, neg, norm};
use crate::report::Progress;
use crate::tangent::Tangent;
use crate::Float;

/// Minimizes `f` from `x0` with `params`; `f(x)` gives the value and the gradient.
///
/// ```ignore
/// let r = minimize(|x| value_and_grad!(rosen)(x), array![-1.2, 1.0], &Params::lbfgs());
/// ```
///
/// `f` is a closure or a function (the parameter is `Fn(&P)`, so a closure's argument
/// needs no type). A [`Problem`](super::Problem) with a Hessian-vector product or a
/// validation function, or any other [`Objective`], goes to [`minimize_objective`].
///
/// The value's type `V` is `f`'s: `f64`, or `f32` for an `f32` function (then the
/// result's value and histories are `f32` too). The method's own arithmetic (line
/// searches, L-BFGS, momentum) is in `f64` on the exactly widened values and the
/// [`Tangent`] operations of `P`, so an `f32` value gives the iterates that its
/// widening `v as f64` gives.
///
/// # Panics
///
/// When `params` is invalid or the method needs what the objective lacks (Newton-CG
/// without a Hessian-vector product); [`try_minimize`] returns these as errors.
pub fn minimize<P: Tangent, V: Float>(
    f: impl Fn(&P) -> (V, P),
    x0: P,
    params: &Params,
) -> MinimizeResult<P, V> {
    minimize_objective(f, x0, params)
}

/// [`minimize`], with configuration errors returned instead of panicking.
pub fn try_minimize<P: Tangent, V: Float>(
    f: impl Fn(&P) -> (V, P),
    x0: P,
    params: &Params,
) -> Result<MinimizeResult<P, V>, OptimError> {
    try_minimize_objective(f, x0, params)
}

/// Minimizes any [`Objective`] (a [`Problem`](super::Problem), a closure, a type of
/// yours) from `x0` with `params`.
///
/// # Panics
///
/// As [`minimize`]; [`try_minimize_objective`] returns the errors.
pub fn minimize_objective<P: Tangent, V: Float, O: Objective<P, V>>(
    f: O,
    x0: P,
    params: &Params,
) -> MinimizeResult<P, V> {
    match try_minimize_objective(f, x0, params) {
        Ok(r) => r,
        Err(e) => panic!("hype::optim::minimize: {e}"),
    }
}

/// [`minimize_objective`], with configuration errors returned instead of panicking.
pub fn try_minimize_objective<P: Tangent, V: Float, O: Objective<P, V>>(
    f: O,
    x0: P,
    params: &Params,
) -> Result<MinimizeResult<P, V>, OptimError> {
    params.validate()?;
    let n = x0.flat_len();
    Ok(match params.method {
        Method::GradientDescent => run(&f, x0, params, GradientDescent),
        Method::ConjugateGradient { variant, restart } => run(
            &f,
            x0,
            params,
            NonlinearCg::new(variant, restart.unwrap_or(n)),
        ),
        Method::NewtonCg {
            max_inner,
            max_forcing,
        } => {
            if !f.has_hvp() {
                return Err(OptimError::MissingHvp);
            }
            run(
                &f,
                x0,
                params,
                NewtonCg::new(max_inner.unwrap_or(n), max_forcing),
            )
        }
        Method::Lbfgs { memory } => run(&f, x0, params, Lbfgs::new(memory)),
    })
}

/// The first trial step of a strong Wolfe search: 1 for Newton-type directions, else
/// Nocedal & Wright's (3.60) estimate from the last decrease, `2 (f - f_prev) / <g, p>`
/// (the first time: a step of unit length).
fn wolfe_initial<P: Tangent>(
    natural: bool,
    value: f64,
    previous_value: Option<f64>,
    previous_alpha: Option<f64>,
    slope: f64,
    p: &P,
) -> f64 {
    if natural {
        return 1.0;
    }
    let fallback = previous_alpha.unwrap_or_else(|| 1.0 / norm(p));
    match previous_value {
        Some(fp) => {
            let guess = 1.01 * 2.0 * (value - fp) / slope;
            if guess.is_finite() && guess > 0.0 {
                guess
            } else {
                fallback
            }
        }
        None => fallback,
    }
}

fn run<P: Tangent, V: Float, O: Objective<P, V>, M: SearchDirection<P>>(
    objective: &O,
    x0: P,
    params: &Params,
    mut method: M,
) -> MinimizeResult<P, V> {
    // Values widened to f64 (exact): the method's arithmetic is the same for f32 and f64.
    let f = Counted::<O, V>::new(objective);
    let has_validation = f.has_validation();
    let iters = params.iterations();
    let clip = params.gradient_clipping;
    let mut monitor = Monitor::new(
        params.improvement_threshold,
        params.validation_interval,
        params.early_stopping,
        has_validation,
    );

    let mut x = x0;
    let (mut value, mut grad) = f.value_and_grad(&x);
    let mut g = clip.apply(&grad);
    let mut history = vec![value];
    let mut validation_history = Vec::new();
    let mut state = StepState::new(&x);
    let mut previous_value: Option<f64> = None;
    let mut previous_alpha: Option<f64> = None;
    let mut iterations = 0;
    let mut reason = StopReason::MaxIterations;
    let bar = Progress::new(iters as u64, "minimize", params.progress);

    if !value.is_finite() || !all_finite(&grad) {
        reason = StopReason::NonFinite;
    } else {
        monitor.observe(&x, value, &grad);
    }

    while reason == StopReason::MaxIterations && iterations < iters {
        let i = iterations;
        if i % params.validation_interval == 0 {
            let criterion = if has_validation {
                let c = f.validation(&x).unwrap_or(f64::NAN);
                validation_history.push((i, c));
                c
            } else {
                value
            };
            match monitor.check(&x, value, &grad, criterion) {
                Verdict::Continue => {}
                Verdict::Stagnation => {
                    reason = StopReason::Stagnation;
                    break;
                }
                Verdict::Overfitting => {
                    reason = StopReason::Overfitting;
                    break;
                }
            }
        }
        let gnorm = norm(&grad);
        if gnorm == 0.0 || params.gradient_tolerance.is_some_and(|tol| gnorm <= tol) {
            reason = StopReason::Converged;
            break;
        }

        let mut p = method.direction(&f, &x, &g);
        let mut steepest = false;
        let slope = p.inner(&g);
        if !all_finite(&p) || slope.is_nan() || slope >= 0.0 {
            method.restart();
            p = neg(&g);
            steepest = true;
        }

        // The step: a line search, or a schedule / adaptive rate.
        let (x_new, new_state, evaluated) = if params.learning_rate.is_line_search() {
            let search = |p: &P, natural: bool| -> Result<LineSearchStep<P>, LineSearchError> {
                match params.learning_rate {
                    LearningRate::Backtrack { a0, c, rho } => Backtracking {
                        c,
                        rho,
                        ..Backtracking::default()
                    }
                    .search(&f, &x, value, &g, p, a0),
                    LearningRate::StrongWolfe { max_step, c1, c2 } => {
                        let initial = wolfe_initial(
                            natural,
                            value,
                            previous_value,
                            previous_alpha,
                            g.inner(p),
                            p,
                        );
                        StrongWolfe {
                            c1,
                            c2,
                            max_step,
                            ..StrongWolfe::default()
                        }
                        .search(&f, &x, value, &g, p, initial)
                    }
                    _ => unreachable!("is_line_search"),
                }
            };
            let mut found = search(&p, method.natural_step() && !steepest);
            if found.is_err() && !steepest {
                method.restart();
                p = neg(&g);
                found = search(&p, false);
            }
            let step = match found {
                Ok(step) => step,
                Err(_) => {
                    reason = StopReason::LineSearchFailed;
                    break;
                }
            };
            previous_alpha = Some(step.alpha);
            let (x_new, new_state) =
                apply_step_length(&x, &p, step.alpha, &state, &params.momentum);
            let evaluated = match (params.momentum, step.gradient) {
                (super::Momentum::NoMomentum, Some(gr)) => Some((step.value, gr)),
                _ => None,
            };
            (x_new, new_state, evaluated)
        } else {
            let (x_new, new_state) =
                apply_step(&x, &g, &p, &state, &params.learning_rate, &params.momentum).expect(
                    "validated: schedule and adaptive rates have a step at every iteration",
                );
            (x_new, new_state, None)
        };

        previous_value = Some(value);
        x = x_new;
        state = new_state;
        (value, grad) = match evaluated {
            Some(vg) => vg,
            None => f.value_and_grad(&x),
        };
        g = clip.apply(&grad);
        iterations += 1;
        history.push(value);
        bar.inc(1);
        if !bar.is_hidden() {
            // Formatting the loss only when it is drawn keeps the hidden case free.
            bar.set_message(format!("loss {value:.6e}"));
        }
        if !value.is_finite() || !all_finite(&grad) {
            reason = StopReason::NonFinite;
            break;
        }
        if monitor.observe(&x, value, &grad) == Verdict::Overfitting {
            reason = StopReason::Overfitting;
            break;
        }
    }

    bar.finish();

    // The criterion at the last iterate, to compare with the remembered best.
    let final_criterion = if !value.is_finite() {
        f64::NAN
    } else if has_validation {
        match validation_history.last() {
            Some(&(k, c)) if k == iterations => c,
            _ => {
                let c = f.validation(&x).unwrap_or(f64::NAN);
                validation_history.push((iterations, c));
                c
            }
        }
    } else {
        value
    };
    let best = monitor.best.take().filter(|b| {
        params.return_best && (final_criterion.is_nan() || final_criterion > b.criterion)
    });
    let returned_best = best.is_some();
    let (x, value, gradient) = match best {
        Some(b) => (b.x, b.value, b.gradient),
        None => (x, value, grad),
    };
    // Back to `V`: exact, every value came from `V` (the identity for f64).
    MinimizeResult {
        x,
        value: V::of_f64(value),
        gradient,
        iterations,
        history: history.into_iter().map(V::of_f64).collect(),
        validation_history: validation_history
            .into_iter()
            .map(|(k, c)| (k, V::of_f64(c)))
            .collect(),
        reason,
        returned_best,
        evaluations: f.counts(),
    }
}
