use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let _y = async { 1.0 };
    x
}

fn main() {}
