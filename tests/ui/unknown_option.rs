use hype::prelude::*;

#[differentiable(speed = 3)]
fn f(x: f64) -> f64 {
    x
}

fn main() {}
