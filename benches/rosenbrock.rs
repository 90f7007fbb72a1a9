//! Gradient of the scalar Rosenbrock function (n = 1000, loop over indices):
//! generated reverse mode vs a hand-written gradient, and the annotated primal vs the
//! same function without the attribute (it must be untouched: ratio 1.00).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::prelude::*;

#[differentiable]
fn rosen(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

fn rosen_plain(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

fn rosen_grad_by_hand(x: &Array1<f64>) -> Array1<f64> {
    let n = x.len();
    let mut g = Array1::zeros(n);
    for i in 0..n - 1 {
        let a = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * a * x[i] - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * a;
    }
    g
}

fn bench(c: &mut Criterion) {
    let n = 1000;
    let x = Array1::from_iter((0..n).map(|i| ((i as f64) * 0.37).sin()));
    let mut group = c.benchmark_group("rosenbrock_n1000");
    group.bench_function("grad_generated", |b| b.iter(|| grad!(rosen)(black_box(&x))));
    group.bench_function("grad_by_hand", |b| {
        b.iter(|| rosen_grad_by_hand(black_box(&x)))
    });
    group.bench_function("primal_annotated", |b| b.iter(|| rosen(black_box(&x))));
    group.bench_function("primal_plain", |b| b.iter(|| rosen_plain(black_box(&x))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
