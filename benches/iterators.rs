//! Iterator style against the index loop it is lowered into (n = 1000): the gradient
//! of `x.iter().map(|v| v * v * c).sum()` and of the same sum written with indices,
//! and of a `zip`-weighted sum. The iterator form should cost what the loop costs.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::prelude::*;

#[differentiable]
fn map_sum(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| v * v * 0.5).sum::<f64>()
}

#[differentiable]
fn index_sum(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i] * 0.5;
    }
    s
}

#[differentiable]
fn zip_sum(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    x.iter().zip(w.iter()).map(|(a, b)| a * b).sum::<f64>()
}

#[differentiable]
fn zip_index(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * w[i];
    }
    s
}

fn bench(c: &mut Criterion) {
    let n = 1000;
    let x = Array1::from_iter((0..n).map(|i| ((i as f64) * 0.37).sin()));
    let w = Array1::from_iter((0..n).map(|i| ((i as f64) * 0.11).cos()));
    let mut group = c.benchmark_group("iterators_n1000");
    group.bench_function("grad_map_sum", |b| b.iter(|| grad!(map_sum)(black_box(&x))));
    group.bench_function("grad_index_loop", |b| {
        b.iter(|| grad!(index_sum)(black_box(&x)))
    });
    group.bench_function("grad_zip_map_sum", |b| {
        b.iter(|| grad!(zip_sum)(black_box(&x), black_box(&w)))
    });
    group.bench_function("grad_zip_index_loop", |b| {
        b.iter(|| grad!(zip_index)(black_box(&x), black_box(&w)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
