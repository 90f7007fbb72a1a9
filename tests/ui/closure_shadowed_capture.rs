use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let c = x * 2.0;
    let g = |y: f64| y * c;
    let c = 3.0;
    g(x) + c
}

fn main() {}
