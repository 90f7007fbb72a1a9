use hype::prelude::*;

#[differentiable]
fn f(x: f32, w: &Array1<f32>) -> f32 {
    x * w.sum()
}

fn main() {}
