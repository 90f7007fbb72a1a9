use hype::prelude::*;

#[differentiable]
fn f(x: f64, v: Option<f64>) -> f64 {
    let Some(y) = v else { panic!() };
    x * y
}

fn main() {}
