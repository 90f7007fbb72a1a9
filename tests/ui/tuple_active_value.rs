use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let t = (x, x * 2.0);
    x
}

fn main() {}
