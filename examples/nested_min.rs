//! Optimization inside optimization: min over x of f(x) + min over y of g(x, y),
//! with f(x) = (x - 1)^2 and g(x, y) = (y - x)^2 + y^2. Both minimizations are
//! gradient descent written with `grad!`; the inner one's objective refers to the
//! outer argument, and the outer gradient differentiates through the whole inner
//! descent. Analytic optimum: min_y g = x^2 / 2 at y = x / 2, so x* = 2/3 and the
//! value is 1/3.
//!
//! `cargo run --release --example nested_min`

use hype::prelude::*;

/// min over y of g(x, y), by 40 steps of gradient descent from y = 0.
#[differentiable]
pub fn inner_min(x: f64) -> f64 {
    let mut y = 0.0;
    for _ in 0..40 {
        y -= 0.2 * grad!(|y: f64| (y - x).powi(2) + y * y)(y);
    }
    (y - x).powi(2) + y * y
}

/// f(x) + min over y of g(x, y).
#[differentiable]
pub fn outer(x: f64) -> f64 {
    (x - 1.0).powi(2) + inner_min(x)
}

/// Gradient descent on the outer objective: `(x, value, steps)`.
pub fn solve(steps: usize) -> (f64, f64, usize) {
    let mut x = 0.0;
    for _ in 0..steps {
        x -= 0.3 * grad!(outer)(x);
    }
    (x, outer(x), steps)
}

#[allow(dead_code)]
fn main() {
    let (x, v, n) = solve(60);
    println!("nested_min: x = {x:.12} (analytic 2/3 = {:.12}), value {v:.12} (analytic 1/3), {n} outer steps", 2.0 / 3.0);
}
