//! The examples, run in a short mode.

#[path = "../examples/optimize_beale.rs"]
#[allow(dead_code)]
mod optimize_beale;

#[path = "../examples/logistic_01.rs"]
#[allow(dead_code)]
mod logistic_01;

#[test]
fn optimize_beale_reaches_hypes_loss() {
    let r = optimize_beale::run(3000);
    // Hype: 8.948e-4 (f32); f64 ends in a two-cycle between 8.93e-4 and 9.08e-4.
    assert!((8.8e-4..9.1e-4).contains(&r.value), "loss {}", r.value);
    assert!(
        (r.x[0] - 3.0).abs() < 0.02 && (r.x[1] - 0.5).abs() < 0.01,
        "x {:?}",
        r.x
    );
}

#[test]
fn logistic_01_separates_zeros_from_ones() {
    let (accuracy, loss) = logistic_01::run(400, 30);
    assert!(accuracy > 0.98, "test accuracy {accuracy}");
    assert!(loss < 0.05, "training loss {loss}");
}

#[path = "../examples/mnist_mlp.rs"]
#[allow(dead_code)]
mod mnist_mlp;

#[test]
fn mnist_mlp_learns_in_a_short_run() {
    // 1,000 digits, 3 epochs (the full example: 8,000 digits, 15 epochs).
    let r = mnist_mlp::run(1000, 3, false);
    assert!(
        r.last_epoch_loss < 0.6 * r.first_epoch_loss,
        "{} -> {}",
        r.first_epoch_loss,
        r.last_epoch_loss
    );
    assert!(r.test_error < 0.2, "held-out error {}", r.test_error);
}

#[path = "../examples/particle.rs"]
#[allow(dead_code)]
mod particle;

#[test]
fn particle_lands_at_the_origin_by_newton_on_the_whole_simulation() {
    let (w, err, _) = particle::solve(0.0, 10);
    assert!(err < 1e-20, "squared landing error {err}");
    // The same simulation written without Hype (plain Python, same steps) puts the
    // root at 0.2071994598.
    assert!((w - 0.207_199_46).abs() < 1e-8, "w* = {w}");
    // The derivative of the simulation against central differences.
    let (_, slope) = hype::jvp!(particle::landing_x)(0.15, 1.0);
    let h = 1e-6;
    let fd = (particle::landing_x(0.15 + h) - particle::landing_x(0.15 - h)) / (2.0 * h);
    assert!((slope - fd).abs() < 1e-6 * fd.abs(), "{slope} vs {fd}");
}

#[path = "../examples/nested_min.rs"]
#[allow(dead_code)]
mod nested_min;

#[test]
fn nested_min_reaches_the_analytic_optimum() {
    let (x, v, _) = nested_min::solve(60);
    assert!((x - 2.0 / 3.0).abs() < 1e-10, "x = {x}");
    assert!((v - 1.0 / 3.0).abs() < 1e-10, "value = {v}");
}

#[path = "../examples/hyper_lr.rs"]
#[allow(dead_code)]
mod hyper_lr;

#[test]
fn hyper_lr_forward_reverse_and_finite_differences_agree() {
    let (fwd, rev, fd) = hyper_lr::derivatives(0.1);
    assert!((fwd - rev).abs() < 1e-12 * rev.abs(), "{fwd} vs {rev}");
    assert!((rev - fd).abs() < 1e-7 * fd.abs(), "{rev} vs {fd}");
}

use hype::ndarray::Array2;

#[path = "../examples/hypertrain.rs"]
#[allow(dead_code)]
mod hypertrain;

/// The flagship, small: 6 steps of 20 digits, 200 validation digits.
fn hypertrain_config() -> hypertrain::Config {
    hypertrain::Config {
        steps: 6,
        iters: 4,
        batch: 20,
        validation: 200,
        grid: vec![0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0],
        out: None,
        verbose: false,
        outer_step: 0.05,
        threads: 1,
    }
}

#[test]
fn hypertrain_hypergradient_matches_forward_mode_and_finite_differences() {
    let config = hypertrain_config();
    let p = hypertrain::problem(&config);
    // A schedule that differs by step and layer.
    let h = Array2::from_shape_fn((config.steps, 2), |(t, k)| {
        0.3 + 0.05 * t as f64 - 0.1 * k as f64
    });
    let (value, g) = p.hypergradient(&h);
    assert_eq!(value, p.validation_loss(&h));
    // Forward-HG (12 tangent directions through the generated JVP of the step) agrees.
    let v = |m: &hypertrain::Mlp, h: &Array2<f64>| p.validation_grad(m, h);
    let f = hype::hyper::forward(&p.training, &v, &p.init, &h, config.steps);
    for (a, b) in g.iter().zip(f.grad.iter()) {
        assert!(
            (a - b).abs() <= 1e-10 * a.abs().max(1e-3),
            "reverse {a} vs forward {b}"
        );
    }
    // Central differences on every rate.
    let eps = 1e-5;
    for t in 0..config.steps {
        for k in 0..2 {
            let mut hp = h.clone();
            hp[[t, k]] += eps;
            let mut hm = h.clone();
            hm[[t, k]] -= eps;
            let fd = (p.validation_loss(&hp) - p.validation_loss(&hm)) / (2.0 * eps);
            let err = (g[[t, k]] - fd).abs() / fd.abs().max(1e-3);
            assert!(
                err < 1e-6,
                "lr[{t}, {k}]: hypergradient {} vs FD {fd}",
                g[[t, k]]
            );
        }
    }
}

#[test]
fn hypertrain_learned_schedule_beats_the_best_constant_rate() {
    let r = hypertrain::run(&hypertrain_config());
    assert!(r.grid_losses.len() >= 8);
    assert!(
        r.learned_loss < 0.98 * r.best_constant_loss,
        "learned {} vs best constant {}",
        r.learned_loss,
        r.best_constant_loss
    );
    // The best constant rate is the minimum of the grid, and the outer loop started there.
    let min = r
        .grid_losses
        .iter()
        .map(|g| g.1)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(min, r.best_constant_loss);
    assert_eq!(r.history[0], r.best_constant_loss);
}

#[path = "../examples/hypercleaning.rs"]
#[allow(dead_code)]
mod hypercleaning;

#[test]
fn hypercleaning_hypergradient_matches_central_differences() {
    use hype::prelude::*;
    use hypercleaning::{hypergradient, problem, validation_loss, Inner};
    // 40 noisy training digits, 40 validation digits, 10 steps of gradient descent.
    let p = problem(40, 40, Some(10), 3);
    let inner = Inner { steps: 10, lr: 0.5 };
    let lam = Array1::from_shape_fn(40, |i| 0.2 + 0.8 * ((i * 7) % 11) as f64 / 10.0);
    let (value, g) = hypergradient(&p, &lam, inner);
    assert_eq!(value, validation_loss(&p, &lam, inner));
    let h = 1e-4;
    let fd = |d: &Array1<f64>| {
        let (up, down) = (&lam + &(h * d), &lam - &(h * d));
        (validation_loss(&p, &up, inner) - validation_loss(&p, &down, inner)) / (2.0 * h)
    };
    // A few single weights, then one direction over all of them.
    for i in [0, 5, 17, 33] {
        let mut e = Array1::zeros(40);
        e[i] = 1.0;
        let want = fd(&e);
        assert!(
            (g[i] - want).abs() <= 1e-6 * want.abs(),
            "dE/dλ_{i}: Reverse-HG {} vs central differences {want}",
            g[i]
        );
    }
    let d = Array1::from_shape_fn(40, |i| ((i * 5) % 9) as f64 / 4.0 - 1.0);
    let want = fd(&d);
    assert!(
        (g.dot(&d) - want).abs() <= 1e-6 * want.abs(),
        "directional: {} vs {want}",
        g.dot(&d)
    );
}

#[test]
fn hypercleaning_inner_loss_derivatives_are_consistent() {
    use hype::hyper::InnerLoss;
    use hype::prelude::*;
    use hypercleaning::{problem, WeightedSoftmax};
    let p = problem(30, 1, Some(1), 5);
    let loss = WeightedSoftmax::new(p.x_train.clone(), p.y_train.clone());
    let n = 784 * 10 + 10;
    let w = Array1::from_shape_fn(n, |i| ((i * 13) % 17) as f64 / 170.0 - 0.05);
    let lam = Array1::from_shape_fn(30, |i| 0.1 + ((i * 3) % 10) as f64 / 10.0);
    let (dw, dl) = (
        Array1::from_shape_fn(n, |i| ((i * 7) % 5) as f64 / 5.0 - 0.4),
        Array1::from_shape_fn(30, |i| ((i * 2) % 3) as f64 - 1.0),
    );
    // The forward derivative of the gradient against central differences of it.
    let jvp = loss.gradient_jvp(&w, &lam, &dw, &dl);
    let h = 1e-5;
    let shifted = |s: f64| loss.gradient(&(&w + &(s * &dw)), &(&lam + &(s * &dl)));
    let fd = (shifted(h) - shifted(-h)) / (2.0 * h);
    let err = (&jvp - &fd).mapv(f64::abs).sum() / fd.mapv(f64::abs).sum();
    assert!(err < 1e-7, "relative L1 error of the gradient's JVP {err}");
    // The transposed derivative: <u, J (dw, dλ)> = <Jᵀ u, (dw, dλ)>.
    let u = Array1::from_shape_fn(n, |i| ((i * 11) % 7) as f64 / 7.0 - 0.5);
    let (hu, cu) = loss.gradient_vjp(&w, &lam, &u);
    let (lhs, rhs) = (u.dot(&jvp), hu.dot(&dw) + cu.dot(&dl));
    assert!((lhs - rhs).abs() < 1e-10 * lhs.abs(), "{lhs} vs {rhs}");
}

#[test]
fn hypercleaning_short_run_downweights_corrupted_examples() {
    use hypercleaning::{problem, run, Settings};
    // `--short`: 300 training digits (150 relabelled), 300 validation, T = 30, 10
    // outer steps (the full example: 2,000 / 2,000, T = 100, 60 outer steps).
    let set = Settings::short();
    let p = problem(set.n_train, set.n_val, None, set.seed);
    let r = run(&p, &set, false);
    // Measured in this configuration: mean weight 0.930 clean, 0.158 corrupted, F1 0.882.
    assert!(
        r.mean_corrupted < 0.5 * r.mean_clean,
        "mean weight: corrupted {} vs clean {}",
        r.mean_corrupted,
        r.mean_clean
    );
    let (first, last) = (r.history[0], *r.history.last().unwrap());
    assert!(last < 0.8 * first, "validation loss {first} -> {last}");
    assert!(
        r.f1 > 0.7,
        "F1 {} (precision {}, recall {})",
        r.f1,
        r.precision,
        r.recall
    );
    // Both ways of using the weights beat training on every example.
    assert!(
        r.cleaned > r.baseline + 0.05 && r.weighted > r.baseline + 0.05,
        "hyper-cleaned {}, learned weights {} vs baseline {}",
        r.cleaned,
        r.weighted,
        r.baseline
    );
}

#[path = "../examples/sensitivity.rs"]
#[allow(dead_code)]
mod sensitivity;

#[test]
fn sensitivity_influences_match_retraining() {
    // 60 training digits, 100 validation digits, 15 steps (the example: 300, 500, 100).
    let a = sensitivity::influence(60, 100, 15, false);
    assert_eq!(a.grad.len(), 60);
    assert!(a.val_loss.is_finite() && a.val_loss > 0.0);
    for c in &a.checked {
        assert!(
            (c.reverse - c.fd).abs() <= 1e-6 * c.fd.abs() + 1e-12,
            "example {}: reverse {} vs retraining {}",
            c.index,
            c.reverse,
            c.fd
        );
    }
    // Both helpful and harmful examples exist, and dropping the most harmful lowers
    // the validation loss, as predicted to first order.
    assert!(a.grad.iter().any(|g| *g < 0.0) && a.grad.iter().any(|g| *g > 0.0));
    // The library's Reverse-HG driver gives the same influences.
    assert!(a.driver_difference < 1e-10, "{}", a.driver_difference);
    assert!(a.lr_grad.is_finite() && a.lr_grad != 0.0);
    assert!(a.predicted_change < 0.0, "predicted {}", a.predicted_change);
    assert!(a.actual_change < 0.0, "measured {}", a.actual_change);
}

#[test]
fn sensitivity_double_backprop_gradient_and_penalty() {
    // 60 digits, 10 plain steps, then 10 steps with beta = 0.2 (the example: 500, 100, 100).
    let b = sensitivity::double_backprop(60, 10, 10, 0.2, false);
    let (r, f) = b.directional;
    // A random direction's derivative cancels; judged against |grad| (see the example).
    assert!(
        (r - f).abs() <= 1e-7 * b.grad_norm,
        "directional: {r} vs {f}, |grad| {}",
        b.grad_norm
    );
    for &(r, f) in &b.coordinates {
        assert!((r - f).abs() <= 1e-6 * f.abs(), "coordinate: {r} vs {f}");
    }
    // The penalty falls, and ends below the same run without it.
    assert!(b.end.1 < b.start.1, "penalty {:?} -> {:?}", b.start, b.end);
    assert!(
        b.end.1 < b.end_unpenalized.1,
        "with {:?}, without {:?}",
        b.end,
        b.end_unpenalized
    );
}

#[path = "../examples/game.rs"]
#[allow(dead_code)]
mod game;

#[test]
fn game_play_converges_to_nash_and_the_designed_rule_is_the_closed_form() {
    use game::{closed_form, design, play, welfare, Game};
    let g = Game::default();
    // Levels 2 and 3 under a fixed rule: the play and the fitted models are the
    // taxed game's Nash equilibrium.
    let tau = 0.7;
    let p = play(tau, &g);
    let (n1, n2) = closed_form::nash(&g, tau);
    for (got, want) in [(p[0], n1), (p[1], n2), (p[2], n1), (p[3], n2)] {
        assert!((got - want).abs() < 1e-10, "{got} vs Nash {want}");
    }
    // Level 1's derivative through levels 2 and 3: central differences and the
    // closed form at the equilibrium.
    let slope = hype::grad!(welfare)(tau, &g);
    let h = 1e-5;
    let fd = (welfare(tau + h, &g) - welfare(tau - h, &g)) / (2.0 * h);
    assert!((slope - fd).abs() < 1e-7 * fd.abs(), "{slope} vs {fd}");
    let exact = closed_form::welfare_slope(&g, tau);
    assert!(
        (slope - exact).abs() < 1e-9 * exact.abs(),
        "{slope} vs {exact}"
    );
    // Forward mode through the play: dq1/dτ = dq2/dτ = -1/3.
    let (_, dq) = hype::jvp!(play)(tau, &g, 1.0);
    for d in [dq[0], dq[1]] {
        assert!((d + 1.0 / 3.0).abs() < 1e-9, "dq/dτ = {d}");
    }
    // Level 1: the welfare-maximizing rule.
    let (best, w, last) = design(&g, 0.0, 40, 1.5);
    let want = closed_form::best_tax(&g);
    assert!((best - want).abs() < 1e-10, "τ = {best} vs {want}");
    assert!((w - closed_form::welfare(&g, want)).abs() < 1e-10 && last < 1e-10);
}

#[test]
fn game_derivative_through_unconverged_play_matches_central_differences() {
    use game::{closed_form, welfare, Game};
    // Three rounds of two inner steps each: far from the equilibrium, so the
    // derivative is that of the learning itself, not of the closed form.
    let g = Game {
        rounds: 3,
        fit_steps: 2,
        play_steps: 2,
        ..Game::default()
    };
    for tau in [-2.0, 0.0, 1.5] {
        let slope = hype::grad!(welfare)(tau, &g);
        let h = 1e-5;
        let fd = (welfare(tau + h, &g) - welfare(tau - h, &g)) / (2.0 * h);
        assert!(
            (slope - fd).abs() < 1e-8 * fd.abs(),
            "τ = {tau}: {slope} vs {fd}"
        );
        let nash = closed_form::welfare_slope(&g, tau);
        assert!(
            (slope - nash).abs() > 1e-3,
            "τ = {tau}: unconverged play {slope}, Nash {nash}"
        );
    }
}
