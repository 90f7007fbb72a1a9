//! The vectorized kernels (`hype::kernels`) against the scalar libm loop they replace,
//! in f64 and in f32 (groups `kernel_NAME` and `kernel_NAME_f32`), on 30,000 values
//! (one 100 × 300 hidden layer of the MLP bench) drawn from each function's working
//! range. Criterion reports elements per second; values per ns is
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

/// [`before`] in f32 libm (`expf`, `tanhf`, ...): what f32 code computes without the
/// kernels.
fn before32(k: Kernel, x: f32) -> f32 {
    match k {
        Kernel::Exp => x.exp(),
        Kernel::ExpM1 => x.exp_m1(),
        Kernel::Ln => x.ln(),
        Kernel::Ln1p => x.ln_1p(),
        Kernel::Tanh => x.tanh(),
        Kernel::Sigmoid => {
            if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                let e = x.exp();
                e / (1.0 + e)
            }
        }
        Kernel::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        Kernel::Gelu => 0.5 * x * (1.0 + (0.797_884_6 * (x + 0.044_715 * x * x * x)).tanh()),
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

        // The same values in f32: the f32 lanes (`apply_f32` on a copy, as the
        // runtime's f32 arrays do) against f32 libm, one value at a time. `benches/f32.rs`
        // times `rt::tanh` on f32 arrays end to end.
        let xs32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
        let mut out32 = vec![0.0f32; n];
        let mut group = c.benchmark_group(format!("kernel_{}_f32", k.name()));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_function("vectorized", |b| {
            b.iter(|| {
                out32.copy_from_slice(black_box(&xs32));
                k.apply_f32(&mut out32);
            })
        });
        group.bench_function("libm_loop", |b| {
            b.iter(|| {
                for (o, &x) in out32.iter_mut().zip(black_box(&xs32)) {
                    *o = before32(k, x);
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
