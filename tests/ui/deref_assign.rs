use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x;
    let r = &mut y;
    *r = x * 2.0;
    y
}

fn main() {}
