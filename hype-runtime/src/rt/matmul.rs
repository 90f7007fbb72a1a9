//! Matrix · matrix products, routed by shape: OpenBLAS (through ndarray) by default,
//! the pure-Rust `gemm` crate (feature `gemm`, on by default) for a skinny result
//! (`n ≤ 16` columns) of a long product (`m·k ≥ 2¹⁷`), where it measured faster on one
//! thread (`benches/gemm.rs`; benches/HISTORY.md, "GEMM on the LSTM's shapes"):
//! softmax regression on 2,000 digits, `2000×784 · 784×10`, took 0.93 ms against
//! OpenBLAS 0.3.21's 1.56 ms in f64 (0.49 against 0.69 ms in f32), and its adjoint
//! `784×2000 · 2000×10` 1.19 against 1.46 ms (`examples/hypercleaning` 1.74× faster in
//! all; one crate thread is still level with two OpenBLAS threads there); the MLP's `100×100 · 100×10` (m·k = 10⁴) stays with OpenBLAS (3.9 against
//! 6.1 µs). The crate was also faster on the LSTM's f32 products in isolation (43
//! against 63 µs for `32×128 · 128×512`), but routing them did not change the f32 LSTM
//! bench (15.1 ms either way), so they stay with OpenBLAS.
//!
//! Everything else, and every product when the feature is off, is ndarray's `dot` /
//! `general_mat_mul` (OpenBLAS with the `openblas` feature, `matrixmultiply` without).

use crate::Float;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayBase, Data, DataMut, Ix2};

/// Whether `m×k · k×n` goes to the `gemm` crate.
fn routed(m: usize, k: usize, n: usize) -> bool {
    let skinny = n <= 16 && m.saturating_mul(k) >= 1 << 17;
    cfg!(feature = "gemm") && m > 0 && n > 0 && k > 0 && skinny
}

/// `a · b`.
#[inline]
pub(crate) fn mm<F: Float, S1, S2>(a: &ArrayBase<S1, Ix2>, b: &ArrayBase<S2, Ix2>) -> Array2<F>
where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
{
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    if routed(m, k, n) {
        let mut c = Array2::zeros((m, n));
        gemm_crate(a, b, &mut c, false);
        return c;
    }
    a.dot(b)
}

/// `c += a · b`.
#[inline]
pub(crate) fn mm_acc<F: Float, S1, S2, S3>(
    a: &ArrayBase<S1, Ix2>,
    b: &ArrayBase<S2, Ix2>,
    c: &mut ArrayBase<S3, Ix2>,
) where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    S3: DataMut<Elem = F>,
{
    if routed(a.nrows(), a.ncols(), b.ncols()) {
        gemm_crate(a, b, c, true);
    } else {
        general_mat_mul(F::one(), a, b, F::one(), c);
    }
}

/// `c = a·b` (`c += a·b` when `accumulate`) through the `gemm` crate, one thread.
fn gemm_crate<F: Float, S1, S2, S3>(
    a: &ArrayBase<S1, Ix2>,
    b: &ArrayBase<S2, Ix2>,
    c: &mut ArrayBase<S3, Ix2>,
    accumulate: bool,
) where
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    S3: DataMut<Elem = F>,
{
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    assert!(
        b.nrows() == k && c.dim() == (m, n),
        "hype: matrix product of shapes {:?} and {:?} into {:?}",
        a.shape(),
        b.shape(),
        c.shape()
    );
    #[cfg(not(feature = "gemm"))]
    unreachable!("`routed` is false without the `gemm` feature ({accumulate})");
    #[cfg(feature = "gemm")]
    {
        let (cr, cc) = (c.strides()[0], c.strides()[1]);
        // SAFETY: the pointers, sizes and (element) strides are those of the three
        // ndarray arrays, checked above to be m×k, k×n and m×n; `c` is borrowed
        // mutably, so it does not alias `a` or `b`. `F` is f32 or f64 (the only
        // `Float`s), which gemm supports.
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                c.as_mut_ptr(),
                cc,
                cr,
                accumulate,
                a.as_ptr(),
                a.strides()[1],
                a.strides()[0],
                b.as_ptr(),
                b.strides()[1],
                b.strides()[0],
                // gemm computes dst = alpha·dst + beta·(a·b).
                if accumulate { F::one() } else { F::zero() },
                F::one(),
                false,
                false,
                false,
                gemm::Parallelism::None,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2};

    fn matrix<F: Float>(r: usize, c: usize, seed: usize) -> Array2<F> {
        Array2::from_shape_fn((r, c), |(i, j)| {
            F::of_f64(((i * 131 + j * 71 + seed * 17) % 1009) as f64 / 504.5 - 1.0)
        })
    }

    /// The product summed in f64, one element at a time.
    fn naive<F: Float>(a: &Array2<F>, b: &Array2<F>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            (0..a.ncols())
                .map(|p| a[[i, p]].into_f64() * b[[p, j]].into_f64())
                .sum()
        })
    }

    fn max_diff<F: Float>(x: &Array2<F>, y: &Array2<f64>) -> f64 {
        x.iter()
            .zip(y)
            .fold(0.0, |m, (a, b)| m.max((a.into_f64() - b).abs()))
    }

    /// Both routes, with plain and transposed operands and accumulation, against the
    /// naive product.
    fn check<F: Float>(m: usize, k: usize, n: usize, routed_expected: bool, tol: f64) {
        assert_eq!(routed(m, k, n), routed_expected && cfg!(feature = "gemm"));
        let a = matrix::<F>(m, k, 1);
        let b = matrix::<F>(k, n, 2);
        let at = a.t().to_owned();
        let bt = b.t().to_owned();
        let want = naive(&a, &b);
        let scale = k as f64;
        assert!(max_diff(&mm(&a, &b), &want) <= tol * scale, "{m}×{k}×{n}");
        assert!(
            max_diff(&mm(&at.t(), &bt.t()), &want) <= tol * scale,
            "transposed views"
        );
        let mut c = matrix::<F>(m, n, 3);
        let start = c.mapv(F::into_f64);
        mm_acc(&a, &b, &mut c);
        assert!(
            max_diff(&c, &(&want + &start)) <= tol * scale,
            "accumulated"
        );
        // A strided view of a wider result.
        let mut wide = Array2::<F>::zeros((m, 2 * n));
        mm_acc(&a, &b, &mut wide.slice_mut(s![.., ..;2]));
        assert!(max_diff(&wide.slice(s![.., ..;2]).to_owned(), &want) <= tol * scale);
        assert!(wide.slice(s![.., 1..;2]).iter().all(|x| *x == F::zero()));
    }

    #[test]
    fn skinny_long_products_go_to_the_gemm_crate_and_agree() {
        check::<f64>(512, 256, 10, true, 1e-14);
        check::<f32>(512, 256, 10, true, 1e-6);
        check::<f64>(400, 400, 16, true, 1e-14);
        check::<f64>(300, 400, 16, false, 1e-14);
    }

    #[test]
    fn other_shapes_stay_with_blas() {
        check::<f64>(100, 100, 10, false, 1e-14);
        check::<f64>(40, 30, 20, false, 1e-14);
        check::<f32>(32, 64, 128, false, 1e-6);
        assert!(!routed(0, 1 << 20, 4));
        assert!(!routed(1 << 20, 0, 4));
    }
}
