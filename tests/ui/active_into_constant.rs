use hype::prelude::*;

#[differentiable]
fn scaled(x: f64, #[constant] k: f64) -> f64 {
    x * k
}

#[differentiable]
fn f(x: f64) -> f64 {
    scaled(2.0, x * x)
}

fn main() {}
