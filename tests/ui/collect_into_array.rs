use hype::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let y: Array1<f64> = x.iter().map(|v| v * 2.0).collect();
    y.sum()
}

fn main() {}
