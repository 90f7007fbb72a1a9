use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    fn g(y: f64) -> f64 {
        y
    }
    x
}

fn main() {}
