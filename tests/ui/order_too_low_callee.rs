use hype::prelude::*;

#[differentiable]
fn inner(x: f64) -> f64 {
    x * x.exp()
}

#[differentiable(order = 2)]
fn outer(x: f64) -> f64 {
    inner(x) + x
}

fn main() {
    let _ = diff2!(outer)(1.0);
}
