use hype::prelude::*;

#[differentiable]
fn head_sum(x: &[f64]) -> f64 {
    x.iter().sum::<f64>()
}

#[differentiable]
fn f(x: &[f64]) -> f64 {
    head_sum(&x[1..3]) * x[0]
}

fn main() {}
