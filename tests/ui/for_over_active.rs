use hype::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter().map(|v| v * 2.0) {
        s += v;
    }
    s + x.sum()
}

fn main() {}
