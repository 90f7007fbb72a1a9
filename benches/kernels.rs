//! The vectorized kernels (`hype::kernels`) against the scalar libm loop they replace,
//! on 30,000 values (one 100 × 300 hidden layer of the MLP bench) drawn from each
//! function's working range. Criterion reports elements per second; values per ns is
//! that divided by 10^9.
//!
//! Run: `taskset -c 1 cargo bench --bench kernels -- --measurement-time 2 --warm-up-time 1`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use hype::kernels::Kernel;

/// `n` deterministic values spread over `[lo, hi]`.
fn values(n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * ((i * 7919) % n) as f64 / n as f64)
        .collect()
}

/// What the runtime computed per value before the kernels (libm, one value at a time).
fn before(k: Kernel, x: f64) -> f64 {
    match k {
        Kernel::Sigmoid => {
            if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                let e = x.exp();
                e / (1.0 + e)
            }
        }
        Kernel::Gelu => {
            0.5 * x * (1.0 + (0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)).tanh())
        }
        _ => k.reference(x),
    }
}

fn bench(c: &mut Criterion) {
    let n = 30_000;
    for k in Kernel::ALL {
        let (lo, hi) = match k {
            Kernel::Ln => (1e-3, 10.0),
            Kernel::Ln1p => (-0.9, 10.0),
            Kernel::Exp | Kernel::ExpM1 => (-20.0, 20.0),
            _ => (-5.0, 5.0),
        };
        let xs = values(n, lo, hi);
        let mut out = vec![0.0; n];
        let mut group = c.benchmark_group(format!("kernel_{}", k.name()));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function("vectorized", |b| {
            b.iter(|| k.map_into(black_box(&xs), &mut out).unwrap())
        });
        group.bench_function("libm_loop", |b| {
            b.iter(|| {
                for (o, &x) in out.iter_mut().zip(black_box(&xs)) {
                    *o = before(k, x);
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
