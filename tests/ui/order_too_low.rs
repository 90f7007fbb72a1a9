use hype::prelude::*;

#[differentiable]
fn energy(x: &Array1<f64>) -> f64 {
    x.dot(x)
}

#[differentiable(order = 2)]
fn wave(x: f64) -> f64 {
    x.sin()
}

fn main() {
    let x = array![1.0, 2.0];
    let _ = hvp!(energy)(&x, &x);
    let _ = hessian!(energy)(&x);
    let _ = diffn!(3, wave)(0.5);
}
