use hype::prelude::*;

#[differentiable]
fn f(x: f32, w: &Array1<f64>) -> f32 {
    x * w[0] as f32
}

fn main() {}
