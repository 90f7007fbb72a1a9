//! Logistic regression telling 0s from 1s in the bundled MNIST digits, trained with
//! L-BFGS on gradients generated at compile time.
//!
//! Run: `cargo run --release --example logistic_01`

use hype::data::mnist;
use hype::optim::{minimize, Params};
use hype::prelude::*;

/// The parameters: a weight per pixel and a bias.
#[derive(Clone, Debug, Tangent)]
pub struct Logistic {
    pub w: Array1<f64>,
    pub b: f64,
}

/// Mean logistic loss `log(1 + e^z) - y z` with `z = x·w + b`, plus a small L2 term.
#[differentiable]
fn loss(m: &Logistic, #[constant] x: &Array2<f64>, #[constant] y: &Array1<f64>) -> f64 {
    let z = x.dot(&m.w) + m.b;
    let per_example = ops::softplus(&z) - &z * y;
    per_example.mean().unwrap() + 1e-4 * ops::l2(&m.w)
}

/// Images and 0/1 labels of the digits 0 and 1 only (at most `limit` of them).
fn zeros_and_ones(images: &Array2<f64>, labels: &[u8], limit: usize) -> (Array2<f64>, Array1<f64>) {
    let rows: Vec<usize> = (0..labels.len())
        .filter(|&i| labels[i] <= 1)
        .take(limit)
        .collect();
    let x = images.select(Axis(0), &rows);
    let y = Array1::from_iter(rows.iter().map(|&i| labels[i] as f64));
    (x, y)
}

/// Trains on at most `limit` examples for `iterations` L-BFGS steps; returns the
/// test accuracy and the final training loss.
pub fn run(limit: usize, iterations: usize) -> (f64, f64) {
    let data = mnist::load().expect("the bundled MNIST files");
    let (x, y) = zeros_and_ones(&data.train_images, &data.train_labels, limit);
    let (xt, yt) = zeros_and_ones(&data.test_images, &data.test_labels, usize::MAX);
    let m0 = Logistic {
        w: Array1::zeros(784),
        b: 0.0,
    };
    let r = minimize(
        |m: &Logistic| value_and_grad!(loss)(m, &x, &y),
        m0,
        &Params::lbfgs().epochs(iterations),
    );
    let z = xt.dot(&r.x.w) + r.x.b;
    let correct = z
        .iter()
        .zip(yt.iter())
        .filter(|(z, y)| (**z > 0.0) == (**y > 0.5))
        .count();
    (correct as f64 / yt.len() as f64, r.value)
}

#[allow(dead_code)] // the tests call `run` directly
fn main() {
    let (accuracy, loss) = run(usize::MAX, 100);
    println!(
        "0-vs-1 logistic regression: training loss {loss:.4e}, test accuracy {:.2}%",
        100.0 * accuracy
    );
}
