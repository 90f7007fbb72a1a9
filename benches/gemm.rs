//! OpenBLAS (the system library, through ndarray) against the pure-Rust `gemm` crate,
//! in f64 and f32, on the matrix products of the MLP bench (784-300-100-10, batch 100): the three
//! forward products and the five of the backward pass, with transposed operands passed
//! as strided views to both, on one and two threads. Both write into a preallocated
//! result (`C = A B`, no allocation timed).
//!
//! The LSTM bench's products (batch 32, input 64, hidden 128, four gates: 4H = 512)
//! are the `lstm_` cases: the two forward products of a step and the three of its
//! backward step; hyper-cleaning's softmax regression (2,000 digits, 784 → 10) the
//! `clean_` ones.
//!
//! Run: `cargo bench --bench gemm -- --measurement-time 2 --warm-up-time 1`
//! (one thread: pinned with `taskset -c 1`; two threads: unpinned).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ndarray::{linalg::general_mat_mul, Array2, ArrayView2};

/// A deterministic `r × c` matrix with entries in [-1, 1].
fn matrix<T: Elem>(r: usize, c: usize, seed: usize) -> Array2<T> {
    Array2::from_shape_fn((r, c), |(i, j)| {
        T::of(((i * 131 + j * 71 + seed * 17) % 1009) as f64 / 504.5 - 1.0)
    })
}

/// The element types measured.
trait Elem: ndarray::LinalgScalar + Send + Sync + 'static {
    const NAME: &'static str;
    /// Agreement required between the two libraries.
    const TOL: f64;
    fn of(v: f64) -> Self;
    fn to(self) -> f64;
}

impl Elem for f64 {
    const NAME: &'static str = "f64";
    const TOL: f64 = 1e-9;
    fn of(v: f64) -> Self {
        v
    }
    fn to(self) -> f64 {
        self
    }
}

impl Elem for f32 {
    const NAME: &'static str = "f32";
    const TOL: f64 = 1e-2;
    fn of(v: f64) -> Self {
        v as f32
    }
    fn to(self) -> f64 {
        self as f64
    }
}

/// `c = a b` through the `gemm` crate, any strides.
fn gemm_rs<T: Elem>(a: ArrayView2<T>, b: ArrayView2<T>, c: &mut Array2<T>, threads: usize) {
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
            T::zero(),
            T::one(),
            false,
            false,
            false,
            par,
        )
    }
}

fn bench(c: &mut Criterion) {
    cases::<f64>(c);
    cases::<f32>(c);
}

fn cases<T: Elem>(c: &mut Criterion) {
    // (name, A, B): A and B are stored as in the workload, transposes are views.
    let x = matrix::<T>(100, 784, 1);
    let w0 = matrix::<T>(784, 300, 2);
    let h1 = matrix::<T>(100, 300, 3);
    let w1 = matrix::<T>(300, 100, 4);
    let h2 = matrix::<T>(100, 100, 5);
    let w2 = matrix::<T>(100, 10, 6);
    let gz = matrix::<T>(100, 10, 7);
    let gh2 = matrix::<T>(100, 100, 8);
    let gh1 = matrix::<T>(100, 300, 9);
    let xt = matrix::<T>(32, 64, 10);
    let h = matrix::<T>(32, 128, 11);
    let w_ih = matrix::<T>(64, 512, 12);
    let w_hh = matrix::<T>(128, 512, 13);
    let dz = matrix::<T>(32, 512, 14);
    // Hyper-cleaning: softmax regression 784 → 10 on 2,000 training digits.
    let xc = matrix::<T>(2000, 784, 15);
    let wc = matrix::<T>(784, 10, 16);
    let dzc = matrix::<T>(2000, 10, 17);
    let cases: Vec<(&str, ArrayView2<T>, ArrayView2<T>)> = vec![
        ("lstm_fwd_xt.w_ih_32x64x512", xt.view(), w_ih.view()),
        ("lstm_fwd_h.w_hh_32x128x512", h.view(), w_hh.view()),
        ("lstm_bwd_xtT.dz_64x32x512", xt.t(), dz.view()),
        ("lstm_bwd_hT.dz_128x32x512", h.t(), dz.view()),
        ("lstm_bwd_dz.w_hhT_32x512x128", dz.view(), w_hh.t()),
        ("clean_fwd_x.w_2000x784x10", xc.view(), wc.view()),
        ("clean_bwd_xT.dz_784x2000x10", xc.t(), dzc.view()),
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
        let mut group = c.benchmark_group(format!("gemm_{}_{threads}thread", T::NAME));
        group.sample_size(30);
        for (name, a, b) in &cases {
            let mut out = Array2::zeros((a.nrows(), b.ncols()));
            let mut check = Array2::zeros((a.nrows(), b.ncols()));
            general_mat_mul(T::one(), a, b, T::zero(), &mut check);
            gemm_rs(a.view(), b.view(), &mut out, threads);
            let err = out
                .iter()
                .zip(&check)
                .fold(0.0f64, |m, (o, c)| m.max((o.to() - c.to()).abs()));
            assert!(err < T::TOL, "{name}: gemm and OpenBLAS differ by {err}");
            group.bench_function(format!("{name}/openblas"), |bch| {
                bch.iter(|| {
                    general_mat_mul(T::one(), black_box(a), black_box(b), T::zero(), &mut out)
                })
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
