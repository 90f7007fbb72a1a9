use hype::prelude::*;

#[differentiable]
fn f(x: f64, mut v: Vec<usize>) -> f64 {
    let mut y = x;
    while let Some(_k) = v.pop() {
        y = y * x;
    }
    y
}

fn main() {}
