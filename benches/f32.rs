//! The runtime's primitives in `f32` against `f64` on the MLP's shapes: the first
//! layer's product (`100×784 · 784×300`, through `rt::dot`: sgemm against dgemm when
//! BLAS is on) and `tanh` over its 30 000 outputs (the f32 kernel against the f64
//! one).
//!
//! Run: `OPENBLAS_NUM_THREADS=1 taskset -c 0 cargo bench --bench f32`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::ndarray::Array2;
use hype::rt;

/// A deterministic `r × c` matrix with entries in [-1, 1].
fn matrix(r: usize, c: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((r, c), |(i, j)| {
        ((i * 131 + j * 71 + seed * 17) % 1009) as f64 / 504.5 - 1.0
    })
}

fn bench(c: &mut Criterion) {
    // One BLAS thread and freed buffers kept for reuse, as `benches/mlp.rs` runs.
    hype::tune::for_small_arrays();
    let (x, w) = (matrix(100, 784, 1), matrix(784, 300, 2));
    let (x32, w32) = (x.mapv(|v| v as f32), w.mapv(|v| v as f32));
    let z = rt::dot(&x, &w);
    let z32 = rt::dot(&x32, &w32);
    c.bench_function("dot 100x784x300 f64", |b| {
        b.iter(|| rt::dot(black_box(&x), black_box(&w)))
    });
    c.bench_function("dot 100x784x300 f32", |b| {
        b.iter(|| rt::dot(black_box(&x32), black_box(&w32)))
    });
    c.bench_function("tanh 30000 f64", |b| b.iter(|| rt::tanh(black_box(&z))));
    c.bench_function("tanh 30000 f32", |b| b.iter(|| rt::tanh(black_box(&z32))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
