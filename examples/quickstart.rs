//! Quickstart: gradients of an ordinary Rust function, generated at compile time.
//!
//! Run: `cargo run --release --example quickstart`

use hype::prelude::*;

/// The Rosenbrock function, written as plain Rust with a loop over indices.
#[differentiable]
fn rosen(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

fn main() {
    let mut x = array![-1.2, 1.0, -0.5, 0.8];
    println!("f(x0) = {:.6}", rosen(&x));
    println!("grad f(x0) = {:.4}", grad!(rosen)(&x));

    // Forward mode: the directional derivative along v, without forming the gradient.
    let v = array![1.0, 0.0, 0.0, 0.0];
    let (fx, dfx) = jvp!(rosen)(&x, &v);
    println!("f(x0) = {fx:.6}, df(x0)·v = {dfx:.6}");

    // Plain gradient descent with the generated gradient.
    let lr = 1e-3;
    for step in 0..=20_000 {
        let (f, g) = value_and_grad!(rosen)(&x);
        if step % 5_000 == 0 {
            println!("step {step:>6}: f = {f:.3e}");
        }
        x = &x - &(lr * &g);
    }
    println!("x* ≈ {:.4} (the minimum is at all ones)", x);
}
