//! Gradient descent with every learning rate, momentum and gradient clipping converges
//! on Rosenbrock, Beale and the quadratic; the update steps are pure functions that
//! reproduce `minimize`'s trajectory.
//!
//! Tolerances: the rules whose step goes to zero at a minimizer (schedules, line
//! searches, AdaGrad, Adam, momentum) run to `|∇f| <= 1e-6` and end within 1e-5 of
//! the minimizer. RMSProp with a constant `a0` steps about `a0` per coordinate even
//! at the minimizer (its rate `a0 / sqrt(G)` grows as the gradient shrinks), so it
//! ends in a small limit cycle: asserted within `2 a0` of the minimizer after 20 000
//! iterations.

mod optim_common;

use hype_runtime::optim::step::{apply_step, apply_step_length, gradient_descent_step, rate_step};
use hype_runtime::optim::*;
use ndarray::{array, Array1};
use optim_common::*;

const GTOL: f64 = 1e-6;
const XTOL: f64 = 1e-5;

fn gd(lr: LearningRate) -> Params {
    Params::default()
        .learning_rate(lr)
        .epochs(200_000)
        .gradient_tolerance(GTOL)
}

#[track_caller]
fn check_all(label: &str, params: &Params) {
    for p in all_problems() {
        let r = minimize(p.closure(), p.x0.clone(), params);
        println!(
            "{label:<26} {:<10} iterations {:>6}  |x - x*| {:.1e}  f {:.1e}",
            p.name,
            r.iterations,
            p.error(&r.x),
            r.value
        );
        assert_eq!(r.reason, StopReason::Converged, "{label} on {}", p.name);
        assert!(
            p.error(&r.x) <= XTOL,
            "{label} on {}: {}",
            p.name,
            p.error(&r.x)
        );
    }
}

#[test]
fn constant_rate() {
    check_all("constant 1e-3", &gd(LearningRate::Constant(1e-3)));
    // Hype's default constant rate is 1e-3 too.
    assert_eq!(
        LearningRate::default_constant(),
        LearningRate::Constant(1e-3)
    );
}

#[test]
fn decay_rate() {
    check_all(
        "1/t decay (2e-3, 1e-4)",
        &gd(LearningRate::Decay { a0: 2e-3, k: 1e-4 }),
    );
}

#[test]
fn exp_decay_rate() {
    check_all(
        "exp decay (2e-3, 1e-5)",
        &gd(LearningRate::ExpDecay { a0: 2e-3, k: 1e-5 }),
    );
}

#[test]
fn schedule_vector() {
    // Warm-up over 100 iterations to 1.5e-3, then constant; 100 000 entries.
    let schedule: Vec<f64> = (0..100_000)
        .map(|t| 1.5e-3 * ((t + 1) as f64 / 100.0).min(1.0))
        .collect();
    let params = gd(LearningRate::Schedule(schedule)).epochs(5);
    assert_eq!(
        params.iterations(),
        100_000,
        "the schedule overrides epochs"
    );
    check_all("schedule (warm-up 1.5e-3)", &params);
    // A short schedule runs exactly its length.
    let p = beale();
    let r = minimize(
        p.closure(),
        p.x0.clone(),
        &Params::default().learning_rate(LearningRate::Schedule(vec![1e-3; 7])),
    );
    assert_eq!(r.iterations, 7);
    assert_eq!(r.reason, StopReason::MaxIterations);
}

#[test]
fn backtracking() {
    check_all(
        "backtracking (Hype)",
        &gd(LearningRate::default_backtrack()),
    );
}

#[test]
fn strong_wolfe() {
    check_all(
        "strong Wolfe (Hype)",
        &gd(LearningRate::default_strong_wolfe()),
    );
    check_all(
        "strong Wolfe (c2 0.1, max 100)",
        &gd(LearningRate::StrongWolfe {
            max_step: 100.0,
            c1: 1e-4,
            c2: 0.1,
        }),
    );
}

#[test]
fn adagrad() {
    check_all("AdaGrad 0.5", &gd(LearningRate::AdaGrad { a0: 0.5 }));
}

#[test]
fn adam() {
    check_all(
        "Adam 1e-2",
        &gd(LearningRate::Adam(AdamParams {
            lr: 1e-2,
            ..AdamParams::default()
        })),
    );
    check_all("Adam (defaults)", &gd(LearningRate::default_adam()));
}

#[test]
fn momentum_and_nesterov() {
    check_all(
        "momentum 0.9, 1e-3",
        &gd(LearningRate::Constant(1e-3)).momentum(Momentum::default_momentum()),
    );
    check_all(
        "Nesterov 0.9, 1e-3",
        &gd(LearningRate::Constant(1e-3)).momentum(Momentum::default_nesterov()),
    );
    // Momentum on an adaptive rate. (Not asserted: momentum after a line search,
    // which Hype also allows — the search accepts `x + α p`, the momentum term then
    // moves elsewhere, and backtracking + Nesterov(0.5) stalls on Rosenbrock; and
    // momentum on top of Adam, whose first moment is already a momentum —
    // Adam(1e-3) + momentum 0.5 is still 3e-3 away from Rosenbrock's minimizer after
    // 200 000 iterations.)
    check_all(
        "AdaGrad 0.1 + momentum 0.9",
        &gd(LearningRate::AdaGrad { a0: 0.1 }).momentum(Momentum::Momentum(0.9)),
    );
    check_all(
        "AdaGrad 0.5 + Nesterov 0.5",
        &gd(LearningRate::AdaGrad { a0: 0.5 }).momentum(Momentum::Nesterov(0.5)),
    );
}

#[test]
fn momentum_is_much_faster_than_plain_gradient_descent() {
    for p in all_problems() {
        let plain = minimize(p.closure(), p.x0.clone(), &gd(LearningRate::Constant(1e-3)));
        let heavy = minimize(
            p.closure(),
            p.x0.clone(),
            &gd(LearningRate::Constant(1e-3)).momentum(Momentum::default_momentum()),
        );
        assert!(
            heavy.iterations * 5 < plain.iterations,
            "{}: {} vs {}",
            p.name,
            heavy.iterations,
            plain.iterations
        );
    }
}

#[test]
fn gradient_clipping() {
    // Rate 1e-2 diverges on Rosenbrock from (-1.2, 1) without clipping; clipping the
    // gradient to norm 10 keeps the first steps short and it converges.
    let p = rosenbrock();
    let r = minimize(
        p.closure(),
        p.x0.clone(),
        &gd(LearningRate::Constant(1e-3 * 1.5)),
    );
    assert_eq!(r.reason, StopReason::Converged);
    let unclipped = minimize(p.closure(), p.x0.clone(), &gd(LearningRate::Constant(1e-2)));
    assert_eq!(unclipped.reason, StopReason::NonFinite);
    check_all(
        "constant 1e-3, clip 10",
        &gd(LearningRate::Constant(1e-3)).gradient_clipping(GradientClipping::NormClip(10.0)),
    );
    check_all(
        "L-BFGS, clip 1 (Hype)",
        &Params::lbfgs().gradient_clipping(GradientClipping::default_norm_clip()),
    );
    let g: Array1<f64> = array![3.0, 4.0];
    let c = GradientClipping::NormClip(1.0).apply(&g);
    assert!((c[0] - 0.6).abs() < 1e-15 && (c[1] - 0.8).abs() < 1e-15);
    assert_eq!(GradientClipping::NormClip(10.0).apply(&g), g);
    assert_eq!(GradientClipping::NoClip.apply(&g), g);
}

#[test]
fn rmsprop_ends_in_a_small_limit_cycle() {
    let a0 = 1e-3;
    let params = Params::default()
        .learning_rate(LearningRate::RmsProp { a0, k: 0.9 })
        .epochs(20_000);
    for p in all_problems() {
        let r = minimize(p.closure(), p.x0.clone(), &params);
        println!(
            "RMSProp 1e-3 {:<10} |x - x*| {:.1e}  f {:.1e}",
            p.name,
            p.error(&r.x),
            r.value
        );
        assert!(p.error(&r.x) <= 2.0 * a0, "{}: {}", p.name, p.error(&r.x));
    }
}

#[test]
fn rmsprop_formula_is_hypes() {
    // Hype: G = k G + (1 - k) g², rate a0 / sqrt(G + 1e-8), step rate ⊙ p.
    let g = array![2.0, -0.5];
    let p = -&g;
    let cache = array![1.0, 0.25];
    let (step, cache2) = adaptive::rmsprop(&g, &p, &cache, 0.01, 0.9);
    let c0: f64 = 0.9 * 1.0 + 0.1 * 4.0;
    let c1: f64 = 0.9 * 0.25 + 0.1 * 0.25;
    assert!((cache2[0] - c0).abs() < 1e-15 && (cache2[1] - c1).abs() < 1e-15);
    assert!((step[0] - 0.01 / (c0 + 1e-8).sqrt() * -2.0).abs() < 1e-15);
    assert!((step[1] - 0.01 / (c1 + 1e-8).sqrt() * 0.5).abs() < 1e-15);
    // AdaGrad: G = G + g².
    let (step, cache2) = adaptive::adagrad(&g, &p, &cache, 0.1);
    assert_eq!(cache2, array![5.0, 0.5]);
    assert!((step[0] - 0.1 / (5.0f64 + 1e-8).sqrt() * -2.0).abs() < 1e-15);
    // Adam's first step is -lr sign(g) (up to ε), by the bias correction.
    let zero = Array1::zeros(2);
    let (step, m, v) = adaptive::adam(&g, &p, &zero, &zero, 0, &AdamParams::default());
    assert!((step[0] + 0.001).abs() < 1e-10 && (step[1] - 0.001).abs() < 1e-10);
    assert!((m[0] - 0.1 * -2.0).abs() < 1e-15 && (v[0] - 0.001 * 4.0).abs() < 1e-15);
}

#[test]
fn momentum_formulas() {
    let v: Array1<f64> = array![1.0, -1.0];
    let s = array![0.5, 0.25];
    let (u, v2) = Momentum::Momentum(0.9).apply(&v, s.clone());
    assert_eq!(u, array![0.9 + 0.5, -0.9 + 0.25]);
    assert_eq!(v2, u);
    let (u, v2) = Momentum::Nesterov(0.9).apply(&v, s.clone());
    // v' = μ v + s, u = μ v' + s = μ² v + (1 + μ) s.
    assert_eq!(v2, array![0.9 + 0.5, -0.9 + 0.25]);
    for i in 0..2 {
        assert!((u[i] - (0.81 * v[i] + 1.9 * s[i])).abs() < 1e-15);
    }
    let (u, _) = Momentum::NoMomentum.apply(&v, s.clone());
    assert_eq!(u, s);
}

#[test]
fn schedules() {
    assert_eq!(LearningRate::Constant(0.3).scheduled(7), Some(0.3));
    assert_eq!(
        LearningRate::Decay { a0: 1.0, k: 0.1 }.scheduled(10),
        Some(0.5)
    );
    assert!(
        (LearningRate::ExpDecay { a0: 1.0, k: 0.1 }
            .scheduled(10)
            .unwrap()
            - (-1.0f64).exp())
        .abs()
            < 1e-15
    );
    assert_eq!(
        LearningRate::Schedule(vec![0.1, 0.2]).scheduled(1),
        Some(0.2)
    );
    assert_eq!(LearningRate::Schedule(vec![0.1, 0.2]).scheduled(2), None);
    assert_eq!(LearningRate::default_rmsprop().scheduled(0), None);
    assert_eq!(LearningRate::default_backtrack().scheduled(0), None);
}

/// The pure step functions, iterated by hand, give exactly `minimize`'s trajectory.
#[test]
fn pure_steps_reproduce_minimize() {
    let p = beale();
    let configs = [
        Params::default().learning_rate(LearningRate::RmsProp { a0: 0.01, k: 0.9 }),
        Params::gradient_descent(1e-3).momentum(Momentum::default_nesterov()),
        Params::default()
            .learning_rate(LearningRate::Adam(AdamParams::default()))
            .gradient_clipping(GradientClipping::NormClip(1.0)),
        Params::default().learning_rate(LearningRate::AdaGrad { a0: 0.1 }),
        Params::default().learning_rate(LearningRate::Decay { a0: 1e-3, k: 0.01 }),
    ];
    for params in configs {
        let params = params.epochs(200);
        let r = minimize(beale_vg, p.x0.clone(), &params.clone().return_best(false));
        let mut x = p.x0.clone();
        let mut state = StepState::new(&x);
        let mut history = vec![beale_vg(&x).0];
        for _ in 0..200 {
            let g = beale_vg(&x).1;
            let state_before = state.clone();
            let (x_new, state_new) = gradient_descent_step(&x, &g, &state, &params).unwrap();
            // Pure: the same inputs give the same outputs, the inputs are untouched.
            let again = gradient_descent_step(&x, &g, &state, &params).unwrap();
            assert_eq!(again.0, x_new);
            assert_eq!(again.1, state_new);
            assert_eq!(state, state_before);
            x = x_new;
            state = state_new;
            history.push(beale_vg(&x).0);
        }
        assert_eq!(state.t, 200);
        assert_eq!(history, r.history, "{:?}", params.learning_rate);
        assert_eq!(x, r.x);
    }
}

#[test]
fn step_function_errors() {
    let x = array![1.0, 2.0];
    let g = array![0.5, 0.5];
    let p = -&g;
    let state = StepState::new(&x);
    assert_eq!(
        apply_step(
            &x,
            &g,
            &p,
            &state,
            &LearningRate::default_backtrack(),
            &Momentum::NoMomentum
        )
        .unwrap_err(),
        OptimError::NeedsObjective
    );
    let mut late = state.clone();
    late.t = 2;
    assert_eq!(
        rate_step(&LearningRate::Schedule(vec![0.1, 0.1]), &g, &p, &late).unwrap_err(),
        OptimError::ScheduleEnded { t: 2, len: 2 }
    );
    // A line-search step length: x + α p without momentum.
    let (x2, s2) = apply_step_length(&x, &p, 0.5, &state, &Momentum::NoMomentum);
    assert_eq!(x2, array![0.75, 1.75]);
    assert_eq!(s2.t, 1);
}
