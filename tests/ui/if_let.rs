use hype::prelude::*;

#[differentiable]
fn f(x: f64, v: Option<usize>) -> f64 {
    if let Some(k) = v {
        x * (k as f64)
    } else {
        x
    }
}

fn main() {}
