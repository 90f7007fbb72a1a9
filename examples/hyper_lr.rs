//! The derivative of a validation loss with respect to the learning rate, through
//! 30 unrolled steps of gradient descent on a ridge-regression training loss, in
//! forward mode (`diff!`) and in reverse mode (`grad!`), checked against central
//! finite differences; then ten steps of gradient descent on the rate itself.
//!
//! `cargo run --release --example hyper_lr`

use hype::prelude::*;

/// The training loss: least squares plus a small ridge term.
#[differentiable(order = 2)]
pub fn train_loss(
    w: &Array1<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array1<f64>,
) -> f64 {
    let r = x.dot(w) - y;
    0.5 * r.dot(&r) / (y.len() as f64) + 1e-3 * ops::l2(w)
}

/// The validation loss after 30 steps of gradient descent at rate `lr` from zero.
#[differentiable]
pub fn val_after(
    lr: f64,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array1<f64>,
    #[constant] xv: &Array2<f64>,
    #[constant] yv: &Array1<f64>,
) -> f64 {
    let mut w = Array1::zeros(x.ncols());
    for _ in 0..30 {
        let g = grad!(train_loss)(&w, x, y);
        w = w - lr * g;
    }
    let r = xv.dot(&w) - yv;
    0.5 * r.dot(&r) / (yv.len() as f64)
}

/// A deterministic regression problem: 40 training and 20 validation rows, 5 features.
pub fn data() -> (Array2<f64>, Array1<f64>, Array2<f64>, Array1<f64>) {
    let w_true = array![1.0, -2.0, 0.5, 0.0, 1.5];
    let feat = |i: usize, j: usize| (((i * 7 + j * 13) % 11) as f64 - 5.0) / 5.0;
    let x = Array2::from_shape_fn((40, 5), |(i, j)| feat(i, j));
    let xv = Array2::from_shape_fn((20, 5), |(i, j)| feat(i + 40, j));
    let noise = |i: usize| (((i * 31) % 7) as f64 - 3.0) * 0.05;
    let y = Array1::from_shape_fn(40, |i| x.row(i).dot(&w_true) + noise(i));
    let yv = Array1::from_shape_fn(20, |i| xv.row(i).dot(&w_true) + noise(i + 40));
    (x, y, xv, yv)
}

/// `(forward, reverse, finite difference)` derivatives at `lr`.
pub fn derivatives(lr: f64) -> (f64, f64, f64) {
    let (x, y, xv, yv) = data();
    let fwd = diff!(val_after)(lr, &x, &y, &xv, &yv);
    let rev = grad!(val_after)(lr, &x, &y, &xv, &yv);
    let h = 1e-5;
    let fd =
        (val_after(lr + h, &x, &y, &xv, &yv) - val_after(lr - h, &x, &y, &xv, &yv)) / (2.0 * h);
    (fwd, rev, fd)
}

#[allow(dead_code)]
fn main() {
    let (x, y, xv, yv) = data();
    let lr = 0.1;
    let (fwd, rev, fd) = derivatives(lr);
    println!("hyper_lr: d(validation loss)/d(lr) at lr = {lr}: forward {fwd:.12e}, reverse {rev:.12e}, finite differences {fd:.12e}");
    let mut lr = lr;
    for step in 0..10 {
        let (v, g) = value_and_grad!(val_after)(lr, &x, &y, &xv, &yv);
        println!("  step {step}: lr = {lr:.6}, validation loss {v:.6e}");
        lr -= 0.005 * g;
    }
}
