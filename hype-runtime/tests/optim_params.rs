//! `Params`: Hype's defaults, builders, presets and validation; early stopping,
//! validation checks, return-best, non-finite values, evaluation counts, and
//! parameter types other than `Array1<f64>`.

mod optim_common;

use hype_runtime::optim::*;
use ndarray::{array, Array1};
use optim_common::*;

#[test]
fn defaults_are_hypes() {
    let p = Params::default();
    assert_eq!(p.epochs, 100);
    assert_eq!(p.method, Method::GradientDescent);
    assert_eq!(p.learning_rate, LearningRate::RmsProp { a0: 0.001, k: 0.9 });
    assert_eq!(p.momentum, Momentum::NoMomentum);
    assert_eq!(p.gradient_clipping, GradientClipping::NoClip);
    assert_eq!(p.early_stopping, EarlyStopping::NoEarly);
    assert_eq!(p.improvement_threshold, 0.995);
    assert!(p.return_best);
    assert_eq!(p.validation_interval, 10);
    assert_eq!(p.gradient_tolerance, None);
    assert!(!p.progress);
    assert_eq!(p.iterations(), 100);

    assert_eq!(LearningRate::default(), LearningRate::default_rmsprop());
    assert_eq!(
        LearningRate::default_constant(),
        LearningRate::Constant(0.001)
    );
    assert_eq!(
        LearningRate::default_decay(),
        LearningRate::Decay { a0: 1.0, k: 0.1 }
    );
    assert_eq!(
        LearningRate::default_exp_decay(),
        LearningRate::ExpDecay { a0: 1.0, k: 0.1 }
    );
    assert_eq!(
        LearningRate::default_backtrack(),
        LearningRate::Backtrack {
            a0: 1.0,
            c: 1e-4,
            rho: 0.5
        }
    );
    assert_eq!(
        LearningRate::default_strong_wolfe(),
        LearningRate::StrongWolfe {
            max_step: 1.0,
            c1: 1e-4,
            c2: 0.5
        }
    );
    assert_eq!(
        LearningRate::default_adagrad(),
        LearningRate::AdaGrad { a0: 0.001 }
    );
    assert_eq!(
        LearningRate::default_adam(),
        LearningRate::Adam(AdamParams {
            lr: 0.001,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8
        })
    );
    assert_eq!(Momentum::default_momentum(), Momentum::Momentum(0.9));
    assert_eq!(Momentum::default_nesterov(), Momentum::Nesterov(0.9));
    assert_eq!(
        GradientClipping::default_norm_clip(),
        GradientClipping::NormClip(1.0)
    );
    assert_eq!(
        EarlyStopping::default_early(),
        EarlyStopping::Early {
            stagnation: 750,
            overfitting: 10
        }
    );
    assert_eq!(Method::lbfgs(), Method::Lbfgs { memory: 10 });
    let sw = StrongWolfe::default();
    assert_eq!((sw.max_step, sw.c1, sw.c2), (1.0, 1e-4, 0.5));
    let bt = Backtracking::default();
    assert_eq!((bt.c, bt.rho), (1e-4, 0.5));
}

#[test]
fn builders_and_presets() {
    let p = Params::default()
        .epochs(7)
        .method(Method::cg(CgVariant::DaiYuan))
        .learning_rate(LearningRate::Constant(0.5))
        .momentum(Momentum::Nesterov(0.5))
        .gradient_clipping(GradientClipping::NormClip(2.0))
        .early_stopping(EarlyStopping::Early {
            stagnation: 5,
            overfitting: 3,
        })
        .improvement_threshold(0.9)
        .return_best(false)
        .validation_interval(3)
        .gradient_tolerance(1e-3);
    assert_eq!(p.epochs, 7);
    assert_eq!(
        p.method,
        Method::ConjugateGradient {
            variant: CgVariant::DaiYuan,
            restart: None
        }
    );
    assert_eq!(p.learning_rate, LearningRate::Constant(0.5));
    assert_eq!(p.momentum, Momentum::Nesterov(0.5));
    assert_eq!(p.gradient_clipping, GradientClipping::NormClip(2.0));
    assert_eq!(
        p.early_stopping,
        EarlyStopping::Early {
            stagnation: 5,
            overfitting: 3
        }
    );
    assert_eq!(p.improvement_threshold, 0.9);
    assert!(!p.return_best);
    assert_eq!(p.validation_interval, 3);
    assert_eq!(p.gradient_tolerance, Some(1e-3));
    assert!(p.validate().is_ok());

    for preset in [
        Params::lbfgs(),
        Params::newton_cg(),
        Params::conjugate_gradient(CgVariant::HestenesStiefel),
        Params::gradient_descent(0.1),
    ] {
        assert!(preset.validate().is_ok(), "{preset:?}");
    }
    assert_eq!(
        Params::gradient_descent(0.1).learning_rate,
        LearningRate::Constant(0.1)
    );
    assert!(
        matches!(Params::lbfgs().learning_rate, LearningRate::StrongWolfe { c2, .. } if c2 == 0.9)
    );
    assert!(matches!(
        Params::newton_cg().method,
        Method::NewtonCg {
            max_inner: None,
            ..
        }
    ));
}

#[test]
fn invalid_parameters_are_errors() {
    let bad: Vec<(Params, &str)> = vec![
        (
            Params::default().learning_rate(LearningRate::Constant(0.0)),
            "Constant rate",
        ),
        (
            Params::default().learning_rate(LearningRate::Constant(f64::NAN)),
            "Constant rate",
        ),
        (
            Params::default().learning_rate(LearningRate::Decay { a0: 1.0, k: -1.0 }),
            "decay k",
        ),
        (
            Params::default().learning_rate(LearningRate::Schedule(vec![0.1, f64::INFINITY])),
            "schedule entry",
        ),
        (
            Params::default().learning_rate(LearningRate::Backtrack {
                a0: 1.0,
                c: 1.5,
                rho: 0.5,
            }),
            "Backtrack c",
        ),
        (
            Params::default().learning_rate(LearningRate::Backtrack {
                a0: 1.0,
                c: 0.1,
                rho: 1.0,
            }),
            "Backtrack rho",
        ),
        (
            Params::default().learning_rate(LearningRate::StrongWolfe {
                max_step: 1.0,
                c1: 0.5,
                c2: 0.4,
            }),
            "StrongWolfe c2",
        ),
        (
            Params::default().learning_rate(LearningRate::RmsProp { a0: 0.01, k: 1.0 }),
            "RMSProp k",
        ),
        (
            Params::default().learning_rate(LearningRate::AdaGrad { a0: -1.0 }),
            "AdaGrad a0",
        ),
        (
            Params::default().learning_rate(LearningRate::Adam(AdamParams {
                beta2: 1.0,
                ..AdamParams::default()
            })),
            "Adam beta2",
        ),
        (
            Params::default().momentum(Momentum::Momentum(1.0)),
            "momentum",
        ),
        (
            Params::default().gradient_clipping(GradientClipping::NormClip(0.0)),
            "NormClip",
        ),
        (
            Params::default().improvement_threshold(1.5),
            "improvement_threshold",
        ),
        (
            Params::default().validation_interval(0),
            "validation_interval",
        ),
        (
            Params::default().gradient_tolerance(-1.0),
            "gradient_tolerance",
        ),
        (
            Params::default().method(Method::Lbfgs { memory: 0 }),
            "Lbfgs memory",
        ),
        (
            Params::default().method(Method::ConjugateGradient {
                variant: CgVariant::DaiYuan,
                restart: Some(0),
            }),
            "restart",
        ),
        (
            Params::default().method(Method::NewtonCg {
                max_inner: Some(0),
                max_forcing: 0.1,
            }),
            "max_inner",
        ),
        (
            Params::default().method(Method::NewtonCg {
                max_inner: None,
                max_forcing: 1.0,
            }),
            "max_forcing",
        ),
        (
            Params::default().early_stopping(EarlyStopping::Early {
                stagnation: 0,
                overfitting: 1,
            }),
            "patience",
        ),
    ];
    let p = rosenbrock();
    for (params, name) in bad {
        let err = params.validate().unwrap_err();
        assert!(err.to_string().contains(name), "{err} should name {name}");
        let from_minimize = try_minimize_objective(p.problem(), p.x0.clone(), &params).unwrap_err();
        assert_eq!(from_minimize.to_string(), err.to_string());
    }
    assert_eq!(
        Params::default()
            .learning_rate(LearningRate::Schedule(vec![]))
            .validate()
            .unwrap_err(),
        OptimError::EmptySchedule
    );
}

#[test]
#[should_panic(expected = "hype::optim::minimize: `Constant rate` is 0, expected > 0")]
fn minimize_panics_on_invalid_parameters() {
    let p = rosenbrock();
    minimize(p.closure(), p.x0.clone(), &Params::gradient_descent(0.0));
}

/// A fake objective whose value never changes while its gradient does not vanish.
fn flat(_x: &Array1<f64>) -> (f64, Array1<f64>) {
    (1.0, array![1.0])
}

#[test]
fn early_stopping_on_stagnation_of_the_training_loss() {
    let params =
        Params::gradient_descent(0.1)
            .epochs(10_000)
            .early_stopping(EarlyStopping::Early {
                stagnation: 50,
                overfitting: 10,
            });
    let r = minimize(flat, array![0.0], &params);
    // Checks at 0 (baseline), 10, ..., 50: five checks without improvement.
    assert_eq!(r.reason, StopReason::Stagnation);
    assert_eq!(r.iterations, 50);
    // Without early stopping it runs every iteration.
    let r = minimize(
        flat,
        array![0.0],
        &params.clone().early_stopping(EarlyStopping::NoEarly),
    );
    assert_eq!(r.reason, StopReason::MaxIterations);
    assert_eq!(r.iterations, 10_000);
    // A larger validation interval counts in its steps.
    let r = minimize(flat, array![0.0], &params.validation_interval(25));
    assert_eq!(r.iterations, 50);
}

/// Training pulls x to 5, validation prefers x = 1.
fn train_and_validation() -> Problem<'static, Array1<f64>> {
    Problem::new(|x: &Array1<f64>| ((x[0] - 5.0).powi(2), array![2.0 * (x[0] - 5.0)]))
        .with_validation(|x: &Array1<f64>| (x[0] - 1.0).powi(2))
}

#[test]
fn early_stopping_on_overfitting_returns_the_best_validated_point() {
    let params = Params::gradient_descent(0.01)
        .epochs(10_000)
        .validation_interval(5)
        .early_stopping(EarlyStopping::Early {
            stagnation: 10_000,
            overfitting: 10,
        });
    let r = minimize_objective(train_and_validation(), array![0.0], &params);
    assert_eq!(r.reason, StopReason::Overfitting);
    // x_k = 5 (1 - 0.98^k) passes 1 after about 11 iterations; the checks are at 0, 5,
    // 10, 15, ...: the best checked point is x_10 (validation 0.0080).
    assert!(r.returned_best);
    let x10 = 5.0 * (1.0 - 0.98f64.powi(10));
    assert!((r.x[0] - x10).abs() < 1e-12, "{} vs {x10}", r.x[0]);
    assert!((r.value - (x10 - 5.0).powi(2)).abs() < 1e-12);
    // Overfitting: 10 training improvements after the check at 15 (no improvement).
    assert_eq!(r.iterations, 25);
    let checks: Vec<usize> = r.validation_history.iter().map(|&(k, _)| k).collect();
    assert_eq!(checks, vec![0, 5, 10, 15, 20, 25]);
    assert_eq!(r.evaluations.validations, 6);
    // Return-best off: the last iterate.
    let r = minimize_objective(
        train_and_validation(),
        array![0.0],
        &params.return_best(false),
    );
    assert!(!r.returned_best);
    assert!((r.x[0] - 5.0 * (1.0 - 0.98f64.powi(25))).abs() < 1e-12);
}

#[test]
fn early_stopping_on_stagnation_of_the_validation_loss() {
    let params = Params::gradient_descent(0.01)
        .epochs(10_000)
        .validation_interval(5)
        .early_stopping(EarlyStopping::Early {
            stagnation: 30,
            overfitting: 1000,
        });
    let r = minimize_objective(train_and_validation(), array![0.0], &params);
    assert_eq!(r.reason, StopReason::Stagnation);
    // Best check at 10; 15, 20, ..., 40 do not improve: 6 x 5 = 30.
    assert_eq!(r.iterations, 40);
    assert!((r.x[0] - 5.0 * (1.0 - 0.98f64.powi(10))).abs() < 1e-12);
}

#[test]
fn return_best_by_validation_without_early_stopping() {
    let params = Params::gradient_descent(0.01)
        .epochs(200)
        .validation_interval(1);
    let r = minimize_objective(train_and_validation(), array![0.0], &params);
    assert_eq!(r.reason, StopReason::MaxIterations);
    assert!(r.returned_best);
    // The best validated iterate is the one closest to 1 (x_11 = 0.987), up to the
    // improvement threshold: every check improving by 0.5% moves the best.
    assert!((r.x[0] - 1.0).abs() < 0.02, "{}", r.x[0]);
    assert_eq!(r.validation_history.len(), 201);
}

#[test]
fn improvement_threshold() {
    assert!(improves(0.99, 1.0, 0.995));
    assert!(!improves(0.996, 1.0, 0.995));
    assert!(improves(-1.01, -1.0, 0.995));
    assert!(!improves(-1.001, -1.0, 0.995));
    assert!(improves(0.999, 1.0, 1.0));
    assert!(!improves(f64::NAN, 1.0, 0.995));
}

#[test]
fn non_finite_values_stop_and_return_the_best_point() {
    // f(x) = -x for x < 3, NaN beyond; GD with rate 1 steps 1, 2, 3.
    let f = |x: &Array1<f64>| {
        if x[0] < 2.5 {
            (-x[0], array![-1.0])
        } else {
            (f64::NAN, array![f64::NAN])
        }
    };
    let r = minimize(
        f,
        array![0.0],
        &Params::gradient_descent(1.0).improvement_threshold(1.0),
    );
    assert_eq!(r.reason, StopReason::NonFinite);
    assert_eq!(r.iterations, 3);
    assert!(r.returned_best);
    assert_eq!(r.x, array![2.0]);
    assert_eq!(r.value, -2.0);
    assert!(r.history[3].is_nan());
    // A non-finite start: no iterations.
    let r = minimize(f, array![5.0], &Params::gradient_descent(1.0));
    assert_eq!(r.reason, StopReason::NonFinite);
    assert_eq!(r.iterations, 0);
}

#[test]
fn zero_gradient_stops_at_once() {
    let f = |x: &Array1<f64>| (x.dot(x), 2.0 * x);
    let r = minimize(f, Array1::zeros(3), &Params::default());
    assert_eq!(r.reason, StopReason::Converged);
    assert_eq!(r.iterations, 0);
    assert_eq!(r.evaluations.gradients, 1);
}

#[test]
fn evaluations_are_counted() {
    let p = beale();
    let r = minimize(
        p.closure(),
        p.x0.clone(),
        &Params::gradient_descent(1e-3).epochs(37),
    );
    assert_eq!(
        r.evaluations,
        Evaluations {
            gradients: 38,
            values: 0,
            hvps: 0,
            validations: 0
        }
    );
    let r = minimize(
        p.closure(),
        p.x0.clone(),
        &Params::default()
            .learning_rate(LearningRate::default_backtrack())
            .epochs(5),
    );
    assert_eq!(r.evaluations.gradients, 6);
    assert!(r.evaluations.values >= 5);
    // A value-only function is used for line-search trials.
    let calls = std::cell::Cell::new(0);
    let problem = Problem::new(|x: &Array1<f64>| (p.vg)(x)).with_value(|x: &Array1<f64>| {
        calls.set(calls.get() + 1);
        beale_value(x)
    });
    let r2 = minimize_objective(
        problem,
        p.x0.clone(),
        &Params::default()
            .learning_rate(LearningRate::default_backtrack())
            .epochs(5),
    );
    assert_eq!(calls.get(), r.evaluations.values);
    assert_eq!(r2.history, r.history);
}

#[test]
fn tuples_and_vectors_of_arrays_are_parameters() {
    // f(w, b) = |w - (1, 2, 3)|² + 10 (b + 2)², with P = (Array1<f64>, f64).
    let f = |p: &(Array1<f64>, f64)| {
        let d = &p.0 - &array![1.0, 2.0, 3.0];
        (
            d.dot(&d) + 10.0 * (p.1 + 2.0).powi(2),
            (2.0 * d, 20.0 * (p.1 + 2.0)),
        )
    };
    let r = minimize(f, (Array1::zeros(3), 0.0), &Params::lbfgs());
    assert_eq!(r.reason, StopReason::Converged);
    assert!((r.x.0[2] - 3.0).abs() < 1e-6 && (r.x.1 + 2.0).abs() < 1e-6);
    // Vec of arrays, with Newton-CG (hvp: H = 2 I).
    let g = |p: &Vec<Array1<f64>>| {
        let v: f64 = p.iter().map(|a| (a - 1.0).mapv(|t| t * t).sum()).sum();
        (v, p.iter().map(|a| 2.0 * (a - 1.0)).collect::<Vec<_>>())
    };
    let problem = Problem::new(g).with_hvp(|_x: &Vec<Array1<f64>>, v: &Vec<Array1<f64>>| {
        v.iter().map(|a| 2.0 * a).collect()
    });
    let r = minimize_objective(
        problem,
        vec![Array1::zeros(2), Array1::zeros(3)],
        &Params::newton_cg(),
    );
    assert_eq!(r.reason, StopReason::Converged);
    assert!(r.iterations <= 2);
    assert!(r
        .x
        .iter()
        .all(|a| a.iter().all(|&t| (t - 1.0).abs() < 1e-9)));
    // A scalar parameter.
    let r = minimize(
        |x: &f64| ((x - 4.0).powi(2), 2.0 * (x - 4.0)),
        0.0,
        &Params::conjugate_gradient(CgVariant::FletcherReeves),
    );
    assert!((r.x - 4.0).abs() < 1e-6);
}

#[test]
fn problem_debug_and_objective_defaults() {
    let p = Problem::new(|x: &Array1<f64>| (x.sum(), Array1::ones(x.len())));
    assert!(!p.has_hvp() && !p.has_validation());
    assert_eq!(p.hvp(&array![1.0], &array![1.0]), None);
    assert_eq!(p.validation(&array![1.0]), None);
    assert_eq!(p.value(&array![1.0, 2.0]), 3.0);
    let s = format!("{p:?}");
    assert!(s.contains("Problem") && s.contains("hvp: false"));
    // A closure is an objective too.
    let f = |x: &Array1<f64>| (x.sum(), Array1::ones(x.len()));
    assert_eq!(Objective::value(&f, &array![1.0, 2.0]), 3.0);
    assert!(!Objective::<Array1<f64>>::has_hvp(&f));
}

const PROGRESS_CHILD: &str = "HYPE_MINIMIZE_PROGRESS_CHILD";

/// Run by the test below in a child process whose stderr is a pipe: the requested
/// bar stays hidden and the result is the one without a bar, bit for bit.
#[test]
fn child_minimizes_with_a_progress_bar() {
    if std::env::var_os(PROGRESS_CHILD).is_none() {
        return;
    }
    let p = rosenbrock();
    let params = Params::lbfgs().epochs(200);
    assert!(params.clone().progress(true).progress);
    let with = minimize(p.closure(), p.x0.clone(), &params.clone().progress(true));
    let without = minimize(p.closure(), p.x0.clone(), &params);
    assert_eq!(with.x, without.x);
    assert_eq!(with.history, without.history);
    assert!(with.iterations > 10, "{} iterations", with.iterations);
    eprint!("child done");
}

#[test]
fn minimize_progress_bar_is_silent_off_a_terminal_and_changes_nothing() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "child_minimizes_with_a_progress_bar",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(PROGRESS_CHILD, "1")
        .env_remove("HYPE_QUIET")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {err}");
    // Only the child's own message: no bar, no escape codes.
    assert_eq!(err.trim(), "child done", "stderr: {err:?}");
}
