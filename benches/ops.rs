//! Cost of the adjoints of a matrix product relative to the product itself.
//!
//! For square `n × n` matrices (n = 64, 256, 512): a plain `a.dot(&b)`, the adjoints
//! `dot_vjp0` (`g · bᵀ`) and `dot_vjp1` (`aᵀ · g`), which pass transposed views to BLAS,
//! and the accumulating forms `dot_acc0`/`dot_acc1`, which add into an existing slot
//! with gemm's beta = 1. Each adjoint is one gemm, so the ratios should be close to 1.
//!
//! Run: `cargo bench --bench ops -- --measurement-time 2 --warm-up-time 1`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::rt::{dot, dot_acc0, dot_acc1, dot_vjp0, dot_vjp1};
use ndarray::Array2;

/// A deterministic `n × n` matrix with entries in [-1, 1].
fn matrix(n: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, n), |(i, j)| {
        let k = (i * 131 + j * 71 + seed * 17) % 1009;
        k as f64 / 504.5 - 1.0
    })
}

fn bench_dot(c: &mut Criterion) {
    for n in [64usize, 256, 512] {
        let a = matrix(n, 1);
        let b = matrix(n, 2);
        let g = matrix(n, 3);
        let r = dot(&a, &b);
        let mut group = c.benchmark_group(format!("dot_{n}"));
        if n >= 256 {
            group.sample_size(10);
        }
        group.bench_function("plain a.dot(b)", |bench| {
            bench.iter(|| black_box(&a).dot(black_box(&b)))
        });
        group.bench_function("dot_vjp0", |bench| {
            bench.iter(|| dot_vjp0(black_box(&a), black_box(&b), &r, black_box(&g)))
        });
        group.bench_function("dot_vjp1", |bench| {
            bench.iter(|| dot_vjp1(black_box(&a), black_box(&b), &r, black_box(&g)))
        });
        let mut slot0 = Some(Array2::<f64>::zeros((n, n)));
        group.bench_function("dot_acc0 (into slot)", |bench| {
            bench.iter(|| dot_acc0(&mut slot0, black_box(&a), black_box(&b), &r, black_box(&g)))
        });
        let mut slot1 = Some(Array2::<f64>::zeros((n, n)));
        group.bench_function("dot_acc1 (into slot)", |bench| {
            bench.iter(|| dot_acc1(&mut slot1, black_box(&a), black_box(&b), &r, black_box(&g)))
        });
        group.finish();
        black_box((slot0, slot1));
    }
}

criterion_group!(benches, bench_dot);
criterion_main!(benches);
