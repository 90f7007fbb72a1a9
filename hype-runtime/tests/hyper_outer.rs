//! The outer loop (`hyper::optimize` with Adam / RMSProp / gradient descent), the
//! projections for constrained hyperparameters, and real-time RTHO.

mod hyper_common;

use hype_runtime::hyper::{
    forward, optimize, project_budget, project_simplex, reverse, rtho, unrolled_loss,
    GradientDescent, HeavyBall, HyperError, OuterMethod, OuterParams, OuterRecord, Projection,
    RthoParams, StepHyper,
};
use hype_runtime::optim::AdamParams;
use hype_runtime::Tangent;
use hyper_common::*;
use ndarray::{array, Array1};

fn assert_close(a: &Array1<f64>, b: &Array1<f64>, tol: f64) {
    assert!(rel_err(a, b) < tol, "{a} vs {b}");
}

#[test]
fn simplex_projection_values_and_optimality() {
    assert_close(
        &project_simplex(&array![0.5, 0.2, 0.1], 1.0).unwrap(),
        &array![0.5 + 0.2 / 3.0, 0.2 + 0.2 / 3.0, 0.1 + 0.2 / 3.0],
        1e-15,
    );
    assert_eq!(
        project_simplex(&array![2.0, 0.0, 0.0], 1.0).unwrap(),
        array![1.0, 0.0, 0.0]
    );
    assert_eq!(
        project_simplex(&array![0.6, 0.6, -1.0], 1.0).unwrap(),
        array![0.5, 0.5, 0.0]
    );
    assert_close(
        &project_simplex(&array![3.0, 1.0], 4.0).unwrap(),
        &array![3.0, 1.0],
        1e-15,
    );
    // Optimality: no random feasible point is closer.
    let mut rng = Lcg(5);
    for _ in 0..20 {
        let v = rng.vector(6) * 2.0;
        let x = project_simplex(&v, 2.0).unwrap();
        assert!((x.sum() - 2.0).abs() < 1e-12 && x.iter().all(|&xi| xi >= 0.0));
        let dist = (&v - &x).mapv(|d| d * d).sum();
        for _ in 0..200 {
            let y = rng.vector(6).mapv(|r| r.abs());
            let y = &y * (2.0 / y.sum());
            assert!((&v - &y).mapv(|d| d * d).sum() >= dist - 1e-12);
        }
    }
    assert!(matches!(
        project_simplex(&array![1.0], 0.0),
        Err(HyperError::InvalidArgument(_))
    ));
    assert!(matches!(
        project_simplex(&array![f64::NAN], 1.0),
        Err(HyperError::NonFinite(_))
    ));
}

#[test]
fn budget_projection_values_and_optimality() {
    // Within the budget: only clamped.
    assert_eq!(
        project_budget(&array![0.2, 1.5, -0.3], 0.0, 1.0, 5.0).unwrap(),
        array![0.2, 1.0, 0.0]
    );
    // Over the budget: shifted by τ = 0.35, then clamped.
    assert_close(
        &project_budget(&array![0.9, 0.8, 0.1, -0.5], 0.0, 1.0, 1.0).unwrap(),
        &array![0.55, 0.45, 0.0, 0.0],
        1e-14,
    );
    let mut rng = Lcg(6);
    for _ in 0..20 {
        let v = rng.vector(8) + 0.5;
        let x = project_budget(&v, 0.0, 1.0, 2.5).unwrap();
        assert!(x.sum() <= 2.5 + 1e-12 && x.iter().all(|&xi| (0.0..=1.0).contains(&xi)));
        let dist = (&v - &x).mapv(|d| d * d).sum();
        for _ in 0..200 {
            let y = rng.vector(8).mapv(|r| r.abs());
            let y = if y.sum() > 2.5 {
                &y * (2.5 / y.sum())
            } else {
                y
            };
            assert!((&v - &y).mapv(|d| d * d).sum() >= dist - 1e-12);
        }
    }
    let err = project_budget(&array![0.0, 0.0], 1.0, 2.0, 1.0).unwrap_err();
    assert!(err.to_string().contains("budget 1"), "{err}");
    assert!(matches!(
        project_budget(&array![0.0], 2.0, 1.0, 5.0),
        Err(HyperError::InvalidArgument(_))
    ));
    // A projection on part of the flat vector.
    let p = Projection::On {
        range: 1..3,
        projection: Box::new(Projection::Simplex { total: 1.0 }),
    };
    assert_eq!(
        p.apply_flat(&array![5.0, 2.0, 0.0, -7.0]).unwrap(),
        array![5.0, 1.0, 0.0, -7.0]
    );
    let bad = Projection::On {
        range: 2..9,
        projection: Box::new(Projection::None),
    };
    assert!(bad.apply_flat(&array![1.0]).is_err());
}

/// A per-step learning-rate schedule for heavy ball on a quadratic, learned by
/// hypergradient descent with Reverse-HG.
type ScheduleProblem = (
    HeavyBall<Quadratic>,
    (Array1<f64>, Array1<f64>),
    StepHyper<f64>,
    usize,
);

fn schedule_problem() -> ScheduleProblem {
    let q = Quadratic::new(6, 51);
    let w0 = Lcg(52).vector(6);
    let steps = 20;
    let h = StepHyper::schedule(
        Array1::from_elem(steps, 0.02),
        Array1::from_elem(1, 0.5),
        0.05,
    );
    (HeavyBall(q), (w0.clone(), w0.zero_like()), h, steps)
}

#[test]
fn optimize_learns_a_schedule_with_adam_and_rmsprop() {
    let (d, s0, h0, steps) = schedule_problem();
    // Validation target: the training loss's minimizer without the L2 term.
    let v = quadratic_validation(d.0.c.clone(), 0.0);
    let start = unrolled_loss(&d, &v, &s0, &h0, steps);
    for method in [
        OuterMethod::Adam(AdamParams {
            lr: 0.01,
            ..AdamParams::default()
        }),
        OuterMethod::RmsProp {
            lr: 0.005,
            decay: 0.9,
        },
        OuterMethod::GradientDescent { lr: 0.02 },
    ] {
        let params = OuterParams {
            iterations: 60,
            method: method.clone(),
            projection: Projection::Box { lo: 0.0, hi: 1.0 },
        };
        let mut seen: Vec<OuterRecord> = Vec::new();
        let mut cb = |r: &OuterRecord| seen.push(r.clone());
        let r = optimize(
            &h0,
            |h: &StepHyper<f64>| {
                let g = reverse(&d, &v, &s0, h, steps);
                Ok((g.value, g.grad))
            },
            &params,
            Some(&mut cb),
        )
        .unwrap();
        assert_eq!(r.history.len(), 61);
        assert_eq!(seen, r.history);
        assert_eq!(r.history[0].value, start);
        assert!(
            r.best_value
                <= r.history
                    .iter()
                    .map(|h| h.value)
                    .fold(f64::INFINITY, f64::min)
        );
        assert!(
            r.value < 0.5 * start,
            "{method:?}: {} from {start}",
            r.value
        );
        assert_eq!(r.value, unrolled_loss(&d, &v, &s0, &r.hyper, steps));
        assert!(r.hyper.flatten().iter().all(|&x| (0.0..=1.0).contains(&x)));
    }
    let bad = OuterParams {
        method: OuterMethod::GradientDescent { lr: -1.0 },
        ..OuterParams::default()
    };
    assert!(optimize(&h0, |h: &StepHyper<f64>| Ok((0.0, h.clone())), &bad, None).is_err());
    let nan = optimize(
        &h0,
        |h: &StepHyper<f64>| Ok((f64::NAN, h.clone())),
        &OuterParams::default(),
        None,
    );
    assert!(matches!(nan, Err(HyperError::NonFinite(_))));
}

#[test]
fn per_example_weights_down_weight_flipped_labels() {
    // Data hyper-cleaning in miniature: 40 training examples, the first 12 with flipped
    // labels; weights in [0, 1] with a budget of 28, learned by Reverse-HG on a clean
    // validation set.
    let clean = Logistic::new(40, 5, 61);
    // Validation labels follow the clean training data's rule (its least-squares
    // direction) on fresh inputs.
    let truth = least_squares_direction(&clean);
    let val_x = Logistic::new(60, 5, 1061).x;
    let val = Logistic {
        y: val_x.dot(&truth).mapv(|z| if z > 0.0 { 1.0 } else { 0.0 }),
        x: val_x,
    };
    let mut train = clean;
    for i in 0..12 {
        train.y[i] = 1.0 - train.y[i];
    }
    let d = GradientDescent(train);
    let steps = 60;
    let w0 = Array1::zeros(5);
    let h0 = StepHyper::constant(2.0, 0.0, (Array1::from_elem(40, 0.7), 1e-3));
    let v = logistic_validation(val);
    // Flat layout: lr [0], momentum [1], weights [2..42], L2 [42].
    let params = OuterParams {
        iterations: 40,
        method: OuterMethod::Adam(AdamParams {
            lr: 0.05,
            ..AdamParams::default()
        }),
        projection: Projection::On {
            range: 2..42,
            projection: Box::new(Projection::Budget {
                lo: 0.0,
                hi: 1.0,
                budget: 28.0,
            }),
        },
    };
    let r = optimize(
        &h0,
        |h: &StepHyper<(Array1<f64>, f64)>| {
            let mut g = reverse(&d, &v, &w0, h, steps);
            // Only the example weights are learned.
            g.grad.lr.fill(0.0);
            g.grad.momentum.fill(0.0);
            g.grad.loss.1 = 0.0;
            Ok((g.value, g.grad))
        },
        &params,
        None,
    )
    .unwrap();
    let c = &r.hyper.loss.0;
    assert!(c.sum() <= 28.0 + 1e-9 && c.iter().all(|&x| (0.0..=1.0).contains(&x)));
    let flipped = c.iter().take(12).sum::<f64>() / 12.0;
    let clean = c.iter().skip(12).sum::<f64>() / 28.0;
    assert!(
        flipped < clean - 0.3,
        "mean weight flipped {flipped}, clean {clean}"
    );
    assert!(
        r.value < 0.9 * r.history[0].value,
        "{} from {}",
        r.value,
        r.history[0].value
    );
    assert_eq!(r.hyper.lr[0], 2.0);
}

/// The direction of the clean training rule, estimated by least squares on ±1 labels.
fn least_squares_direction(clean: &Logistic) -> Array1<f64> {
    let y = clean.y.mapv(|v| 2.0 * v - 1.0);
    let mut w = Array1::zeros(clean.x.ncols());
    for _ in 0..500 {
        let r = clean.x.dot(&w) - &y;
        w = w - 0.1 * clean.x.t().dot(&r) / y.len() as f64;
    }
    w
}

#[test]
fn rtho_with_one_update_is_forward_hg_and_real_time_updates_improve_training() {
    let (d, s0, h0, steps) = schedule_problem();
    let v = quadratic_validation(Lcg(53).vector(6), 0.0);
    let once = RthoParams {
        steps,
        update_every: steps,
        method: OuterMethod::GradientDescent { lr: 0.01 },
        projection: Projection::None,
    };
    let r = rtho(&d, &v, &s0, &h0, &once).unwrap();
    let f = forward(&d, &v, &s0, &h0, steps);
    assert_eq!(r.history.len(), 1);
    assert_eq!(r.history[0].step, steps);
    assert_eq!(r.history[0].value, f.value);
    assert_eq!(r.history[0].grad.flatten(), f.grad.flatten());
    // The update is one gradient step on the final hypergradient.
    assert_close(
        &r.hyper.flatten(),
        &(h0.flatten() - 0.01 * f.grad.flatten()),
        1e-15,
    );

    // Real time: a single shared rate, too small at first, updated every step.
    let q = Quadratic::new(6, 51);
    let dq = GradientDescent(q);
    let w0 = Lcg(52).vector(6);
    let h = StepHyper::constant(0.01, 0.0, 0.05);
    let vq = quadratic_validation(dq.0.c.clone(), 0.0);
    let steps = 100;
    let before = unrolled_loss(&dq, &vq, &w0, &h, steps);
    let live = RthoParams {
        steps,
        update_every: 1,
        method: OuterMethod::Adam(AdamParams {
            lr: 0.01,
            ..AdamParams::default()
        }),
        projection: Projection::Box { lo: 0.0, hi: 0.5 },
    };
    let r = rtho(&dq, &vq, &w0, &h, &live).unwrap();
    assert_eq!(r.history.len(), steps);
    assert!(r.hyper.lr[0] > 0.2, "learned rate {}", r.hyper.lr[0]);
    assert!(
        r.value < 0.5 * before,
        "RTHO {} vs fixed rate {before}",
        r.value
    );
    let zero = RthoParams {
        update_every: 0,
        ..live
    };
    assert!(matches!(
        rtho(&dq, &vq, &w0, &h, &zero),
        Err(HyperError::InvalidArgument(_))
    ));
}

#[test]
fn learned_schedule_beats_the_best_constant_rate_of_a_grid() {
    // The flagship's claim in miniature: 6 steps of gradient descent on logistic
    // regression (training and validation examples from the same rule); a per-step
    // schedule learned by Reverse-HG + Adam, starting from the best of 8 constant
    // rates, against that best constant rate with the same step budget.
    let all = Logistic::new(120, 6, 71);
    let split = |r: std::ops::Range<usize>| Logistic {
        x: all.x.slice(ndarray::s![r.clone(), ..]).to_owned(),
        y: all.y.slice(ndarray::s![r]).to_owned(),
    };
    let (train, val) = (split(0..60), split(60..120));
    let d = GradientDescent(train);
    let v = logistic_validation(val);
    let steps = 6;
    let w0 = Array1::zeros(6);
    let lam = (Array1::from_elem(60, 1.0), 0.01);
    let grid = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];
    let (best_rate, best_constant) = grid
        .iter()
        .map(|&a| {
            let h = StepHyper::constant(a, 0.0, lam.clone());
            (a, unrolled_loss(&d, &v, &w0, &h, steps))
        })
        .fold((0.0, f64::INFINITY), |b, c| if c.1 < b.1 { c } else { b });
    let h0 = StepHyper::schedule(
        Array1::from_elem(steps, best_rate),
        Array1::zeros(0),
        lam.clone(),
    );
    let params = OuterParams {
        iterations: 100,
        method: OuterMethod::Adam(AdamParams {
            lr: 1.0,
            ..AdamParams::default()
        }),
        // Rates only (flat indices 0..6) are constrained; the loss's weights and L2
        // get no update (their hypergradient is zeroed below).
        projection: Projection::On {
            range: 0..steps,
            projection: Box::new(Projection::Box { lo: 0.0, hi: 100.0 }),
        },
    };
    let r = optimize(
        &h0,
        |h: &StepHyper<(Array1<f64>, f64)>| {
            let mut g = reverse(&d, &v, &w0, h, steps);
            g.grad.loss = g.grad.loss.zero_like();
            Ok((g.value, g.grad))
        },
        &params,
        None,
    )
    .unwrap();
    assert_eq!(r.history[0].value, best_constant);
    eprintln!(
        "learned schedule {} (rates {}) vs best constant rate {best_rate}: {best_constant}",
        r.best_value, r.best.lr
    );
    assert!(
        r.best_value < 0.95 * best_constant,
        "learned {} vs best constant {best_constant}",
        r.best_value
    );
    assert_eq!(r.best.loss, lam);
}
