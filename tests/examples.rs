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
