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
