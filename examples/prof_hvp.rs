use hype::nn::Init;
use hype::prelude::*;
use std::hint::black_box;

hype::model! {
    pub struct Mlp = Linear<784, 300> -> Tanh -> Linear<300, 100> -> Tanh -> Linear<100, 10>;
}

#[differentiable(order = 2)]
fn loss(m: &Mlp, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let logits = m.forward(x);
    ops::cross_entropy_on_linear(&logits, y)
}

fn main() {
    hype::tune::for_small_arrays();
    let m = Mlp::new(Init::Glorot, 1);
    let x = Array2::from_shape_fn((100, 784), |(i, j)| ((i * 784 + j) % 97) as f64 / 97.0);
    let y = Array2::from_shape_fn((100, 10), |(i, j)| if i % 10 == j { 1.0 } else { 0.0 });
    let v = grad!(loss)(&m, &x, &y);
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1000);
    let t = std::time::Instant::now();
    for _ in 0..n {
        black_box(hvp!(loss)(black_box(&m), black_box(&x), black_box(&y), black_box(&v)));
    }
    println!("{:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
}
