use hype::prelude::*;

#[derive(Clone, Tangent)]
struct P {
    a: f64,
    b: f64,
}

#[differentiable]
fn f(p: &P, x: f64) -> f64 {
    let q = P { a: x, ..p.clone() };
    q.a * q.b
}

fn main() {}
