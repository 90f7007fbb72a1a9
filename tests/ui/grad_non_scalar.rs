use hype::prelude::*;

#[differentiable]
fn f(x: &Array1<f64>) -> Array1<f64> {
    x * 2.0
}

fn use_it() {
    let _g = grad!(f)(&array![1.0, 2.0]);
}

fn main() {}
