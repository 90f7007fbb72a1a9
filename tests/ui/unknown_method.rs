use hype::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let y = x.cumsum();
    y
}

fn main() {}
