//! OpenBLAS (the system library, through ndarray) against the pure-Rust `gemm` crate
//! on the matrix products of the MLP bench (784-300-100-10, batch 100, f64): the three
//! forward products and the five of the backward pass, with transposed operands passed
//! as strided views to both, on one and two threads. Both write into a preallocated
//! result (`C = A B`, no allocation timed).
//!
//! The LSTM bench's products (batch 32, input 64, hidden 128, four gates: 4H = 512)
//! are the `lstm_` cases: the two forward products of a step and the three of its
//! backward step.
//!
//! Run: `cargo bench --bench gemm -- --measurement-time 2 --warm-up-time 1`
//! (one thread: pinned with `taskset -c 1`; two threads: unpinned).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ndarray::{linalg::general_mat_mul, Array2, ArrayView2};

/// A deterministic `r × c` matrix with entries in [-1, 1].
fn matrix(r: usize, c: usize, seed: usize) -> Array2<f64> {
    Array2::from_shape_fn((r, c), |(i, j)| {
        ((i * 131 + j * 71 + seed * 17) % 1009) as f64 / 504.5 - 1.0
    })
}

/// `c = a b` through the `gemm` crate, any strides.
fn gemm_rs(a: ArrayView2<f64>, b: ArrayView2<f64>, c: &mut Array2<f64>, threads: usize) {
    let (m, k) = a.dim();
    let n = b.ncols();
    assert_eq!(b.nrows(), k);
    assert_eq!(c.dim(), (m, n));
    let par = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    let (cr, cc) = (c.strides()[0], c.strides()[1]);
    // SAFETY: the pointers and strides come from ndarray arrays of the sizes checked
    // above; `c` is borrowed mutably and does not alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            cc,
            cr,
            false,
            a.as_ptr(),
            a.strides()[1],
            a.strides()[0],
            b.as_ptr(),
            b.strides()[1],
            b.strides()[0],
            0.0,
            1.0,
            false,
            false,
            false,
            par,
        )
    }
}

fn bench(c: &mut Criterion) {
    // (name, A, B, transpose A, transpose B): A and B are stored as in the MLP.
    let x = matrix(100, 784, 1);
    let w0 = matrix(784, 300, 2);
    let h1 = matrix(100, 300, 3);
    let w1 = matrix(300, 100, 4);
    let h2 = matrix(100, 100, 5);
    let w2 = matrix(100, 10, 6);
    let gz = matrix(100, 10, 7);
    let gh2 = matrix(100, 100, 8);
    let gh1 = matrix(100, 300, 9);
    let xt = matrix(32, 64, 10);
    let h = matrix(32, 128, 11);
    let w_ih = matrix(64, 512, 12);
    let w_hh = matrix(128, 512, 13);
    let dz = matrix(32, 512, 14);
    let cases: Vec<(&str, ArrayView2<f64>, ArrayView2<f64>)> = vec![
        ("lstm_fwd_xt.w_ih_32x64x512", xt.view(), w_ih.view()),
        ("lstm_fwd_h.w_hh_32x128x512", h.view(), w_hh.view()),
        ("lstm_bwd_xtT.dz_64x32x512", xt.t(), dz.view()),
        ("lstm_bwd_hT.dz_128x32x512", h.t(), dz.view()),
        ("lstm_bwd_dz.w_hhT_32x512x128", dz.view(), w_hh.t()),
        ("fwd_x.w0_100x784x300", x.view(), w0.view()),
        ("fwd_h1.w1_100x300x100", h1.view(), w1.view()),
        ("fwd_h2.w2_100x100x10", h2.view(), w2.view()),
        ("bwd_xT.gh1_784x100x300", x.t(), gh1.view()),
        ("bwd_gh2.w1T_100x100x300", gh2.view(), w1.t()),
        ("bwd_h1T.gh2_300x100x100", h1.t(), gh2.view()),
        ("bwd_gz.w2T_100x10x100", gz.view(), w2.t()),
        ("bwd_h2T.gz_100x100x10", h2.t(), gz.view()),
    ];
    for threads in [1usize, 2] {
        hype::tune::set_blas_threads(threads);
        let mut group = c.benchmark_group(format!("gemm_f64_{threads}thread"));
        group.sample_size(30);
        for (name, a, b) in &cases {
            let mut out = Array2::zeros((a.nrows(), b.ncols()));
            let mut check = Array2::zeros((a.nrows(), b.ncols()));
            general_mat_mul(1.0, a, b, 0.0, &mut check);
            gemm_rs(a.view(), b.view(), &mut out, threads);
            let err = (&out - &check).iter().fold(0.0f64, |m, d| m.max(d.abs()));
            assert!(err < 1e-9, "{name}: gemm and OpenBLAS differ by {err}");
            group.bench_function(format!("{name}/openblas"), |bch| {
                bch.iter(|| general_mat_mul(1.0, black_box(a), black_box(b), 0.0, &mut out))
            });
            group.bench_function(format!("{name}/gemm_crate"), |bch| {
                bch.iter(|| gemm_rs(black_box(a.view()), black_box(b.view()), &mut out, threads))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
