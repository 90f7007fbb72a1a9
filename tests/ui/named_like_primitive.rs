use hype::prelude::*;

// A function named like a primitive type cannot carry its derivatives in a type of
// its name.
#[differentiable]
fn f64(x: f64) -> f64 {
    x * x
}

fn main() {
    let _ = f64(1.0);
}
