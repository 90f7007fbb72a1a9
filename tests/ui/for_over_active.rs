use hype::prelude::*;

#[differentiable]
fn f(x: &Array2<f64>) -> f64 {
    let mut s = 0.0;
    for row in x.outer_iter() {
        s += row.sum();
    }
    s
}

fn main() {}
