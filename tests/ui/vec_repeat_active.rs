use hype::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let hs = vec![x * 2.0; 3];
    hs[0].sum()
}

fn main() {}
