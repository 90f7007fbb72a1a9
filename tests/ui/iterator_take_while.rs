use hype::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.iter().take_while(|v| **v > 0.0).sum::<f64>()
}

fn main() {}
