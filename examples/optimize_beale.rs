//! Hype's optimization example: the Beale function from (1, 1.5) with RMSProp
//! (learning rate 0.01, decay 0.9) for 3000 iterations, gradients generated at
//! compile time. Hype reports a loss of 8.948e-4 (f32).
//!
//! Run: `cargo run --release --example optimize_beale`

use hype::optim::{minimize, LearningRate, MinimizeResult, Params};
use hype::prelude::*;

#[differentiable]
fn beale(x: &Array1<f64>) -> f64 {
    let (a, b) = (x[0], x[1]);
    let t1 = 1.5 - a + a * b;
    let t2 = 2.25 - a + a * b * b;
    let t3 = 2.625 - a + a * b * b * b;
    t1 * t1 + t2 * t2 + t3 * t3
}

/// Minimizes Beale for `iterations` steps of RMSProp.
pub fn run(iterations: usize) -> MinimizeResult<Array1<f64>> {
    let params = Params::default()
        .epochs(iterations)
        .learning_rate(LearningRate::RmsProp { a0: 0.01, k: 0.9 });
    minimize(
        |x: &Array1<f64>| value_and_grad!(beale)(x),
        array![1.0, 1.5],
        &params,
    )
}

#[allow(dead_code)] // the tests call `run` directly
fn main() {
    let r = run(3000);
    println!(
        "Beale from (1, 1.5), RMSProp(0.01, 0.9), {} iterations: loss {:.6e} at ({:.5}, {:.5}); minimum 0 at (3, 0.5)",
        r.iterations, r.value, r.x[0], r.x[1]
    );
}
