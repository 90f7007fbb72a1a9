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
