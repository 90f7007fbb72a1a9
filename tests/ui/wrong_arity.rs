use hype::prelude::*;

#[differentiable]
fn f(x: f64) -> f64 {
    x * x
}

fn use_it() {
    let _g = grad!(f)(1.0, 2.0);
}

fn main() {}
