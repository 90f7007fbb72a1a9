use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = y * x;
        if y > 5.0 {
            return y;
        }
    }
    y
}

fn main() {}
