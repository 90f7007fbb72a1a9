use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let g = |y: f64| y * x;
    x
}

fn main() {}
