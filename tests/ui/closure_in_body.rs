use hype::prelude::*;

fn apply(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    f(x)
}

#[differentiable]
fn f(x: f64) -> f64 {
    let g = |y: f64| y * x;
    apply(g, x)
}

fn main() {}
