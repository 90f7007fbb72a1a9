use hype::prelude::*;

#[differentiable]
fn f(x: f64, v: Option<f64>) -> f64 {
    let y = v?;
    x * y
}

fn main() {}
