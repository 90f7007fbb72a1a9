use hype::prelude::*;

#[differentiable]
fn f(x: &mut Array1<f64>) -> f64 {
    x.sum()
}

fn main() {}
