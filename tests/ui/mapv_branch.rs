use hype::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    x.mapv(|v| if v > 0.0 { v } else { 0.0 }).sum()
}

fn main() {}
