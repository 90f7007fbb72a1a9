//! Vectorized elementwise kernels: `exp`, `exp_m1`, `ln`, `ln_1p`, `tanh`, `sigmoid`,
//! `softplus` and `gelu` over slices of `f64`, with run-time CPU dispatch.
//!
//! Each function is written once as a branch-free *lane* function of one `f64`
//! (selects instead of branches, integer work on the bits instead of `f64 -> i64`
//! conversions), and a loop over a slice is compiled by
//! [`multiversion`](https://docs.rs/multiversion) for AVX-512, AVX2 + FMA and the
//! baseline (SSE2); the first that the CPU has is picked at the first call. The
//! compiler vectorizes the loop (8, 4 or 2 lanes). `benches/kernels.rs` times each
//! against the libm loop it replaces (on an AVX2 core: `tanh` 12.4 against 30.4 ns a
//! value; benches/HISTORY.md has all of them).
//!
//! **Accuracy.** Every kernel is within 2 ulp of libm's function (for `sigmoid`,
//! `softplus` and `gelu`: of the same formula evaluated with libm's `exp` and `ln_1p`,
//! [`Kernel::reference`]), including subnormal inputs, ±0, ±inf, NaN and the
//! saturation ranges; the tests sweep ≥ 10^7 points per kernel (an `#[ignore]`d test,
//! run in release) and a smaller set in every run. The targets with FMA use fused
//! multiply-adds in the polynomials, so results may differ by an ulp between CPUs
//! (both variants are tested).
//!
//! The runtime's elementwise ops on arrays (`rt::exp`, `rt::tanh`, `ops::sigmoid`, ...)
//! go through these kernels; on single `f64` values they call libm, as before. Arrays
//! of `f32` go through lane functions of their own ([`Kernel::apply_f32`], module
//! `single`): `exp`, `exp_m1`, `ln`, `ln_1p`, `tanh` and `sigmoid` computed in `f32` at
//! twice the vector width, `softplus` and `gelu` widened to `f64` and rounded once; all
//! within 1 ulp of the correctly rounded `f32` result.

mod activation;
mod exp;
mod log;
mod single;

#[cfg(test)]
mod accuracy_tests;

use crate::error::HypeError;
use std::mem::MaybeUninit;

/// The stable sigmoid through libm's `exp`, the rest in double-double arithmetic: its
/// only error is libm's `exp` (scaled by at most 1) and one final rounding.
fn sigmoid_libm(x: f64) -> f64 {
    let e = (-x.abs()).exp();
    let n = if x >= 0.0 { 1.0 } else { e };
    // 1 + e = d + dl exactly, then n / (d + dl) with the division's remainder.
    let d = 1.0 + e;
    let dl = (1.0 - d) + e;
    let q = n / d;
    let rem = (-q).mul_add(d, n);
    let y = q + (rem - q * dl) / d;
    if y.is_nan() {
        q
    } else {
        y
    }
}

/// `a * b + c`, fused when `F` (the target has FMA), else two roundings.
#[inline(always)]
fn mad<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
    if F {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// A vectorized elementwise function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// `e^x`.
    Exp,
    /// `e^x - 1`.
    ExpM1,
    /// `ln x`.
    Ln,
    /// `ln(1 + x)`.
    Ln1p,
    /// `tanh x`.
    Tanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `ln(1 + e^x)`.
    Softplus,
    /// `0.5 x (1 + tanh(u))`, `u = sqrt(2/pi) (x + 0.044715 x^3)`, computed as
    /// `x sigmoid(2u)` (no cancellation for `x < 0`).
    Gelu,
}

/// Defines the dispatched slice loops of each kernel and the `Kernel` methods that
/// pick them.
macro_rules! kernels {
    ($($kind:ident => $m:ident :: $lane:ident, $into:ident, $inplace:ident, $inplace32:ident;)*) => {
        $(
            #[multiversion::multiversion(targets(
                "x86_64+avx512f+avx512dq+avx512vl+avx2+fma",
                "x86_64+avx2+fma",
            ))]
            fn $into(src: &[f64], dst: &mut [MaybeUninit<f64>]) {
                const F: bool = multiversion::target::selected_target!().supports_feature_str("fma");
                for (d, &x) in dst.iter_mut().zip(src) {
                    d.write($m::$lane::<F>(x));
                }
            }

            #[multiversion::multiversion(targets(
                "x86_64+avx512f+avx512dq+avx512vl+avx2+fma",
                "x86_64+avx2+fma",
            ))]
            fn $inplace(xs: &mut [f64]) {
                const F: bool = multiversion::target::selected_target!().supports_feature_str("fma");
                for x in xs.iter_mut() {
                    *x = $m::$lane::<F>(*x);
                }
            }

            // f32 through the f32 lane of the same name (`single`), twice the f64
            // loop's width where it computes in f32.
            #[multiversion::multiversion(targets(
                "x86_64+avx512f+avx512dq+avx512vl+avx2+fma",
                "x86_64+avx2+fma",
            ))]
            fn $inplace32(xs: &mut [f32]) {
                const F: bool = multiversion::target::selected_target!().supports_feature_str("fma");
                for x in xs.iter_mut() {
                    *x = single::$lane::<F>(*x);
                }
            }
        )*

        impl Kernel {
            /// Every kernel, for tests and benches.
            pub const ALL: [Kernel; 8] = [$(Kernel::$kind),*];

            /// Overwrites every element with the function's value.
            pub fn apply(self, xs: &mut [f64]) {
                match self {
                    $(Kernel::$kind => $inplace(xs),)*
                }
            }

            /// [`Kernel::apply`] on `f32` values: within 1 ulp of the correctly rounded
            /// result (computed in `f32`, or in `f64` and rounded; see `single`).
            pub fn apply_f32(self, xs: &mut [f32]) {
                match self {
                    $(Kernel::$kind => $inplace32(xs),)*
                }
            }

            /// Writes `f(src[i])` to `dst[i]` (`dst` may be uninitialized).
            fn map_uninit(self, src: &[f64], dst: &mut [MaybeUninit<f64>]) {
                match self {
                    $(Kernel::$kind => $into(src, dst),)*
                }
            }

            /// One value through the lane function without FMA (what the baseline
            /// target computes); the slice functions are the fast path.
            pub fn scalar(self, x: f64) -> f64 {
                match self {
                    $(Kernel::$kind => $m::$lane::<false>(x),)*
                }
            }

            /// [`Kernel::scalar`] with fused multiply-adds (what FMA targets compute).
            #[cfg(test)]
            fn scalar_fma(self, x: f64) -> f64 {
                match self {
                    $(Kernel::$kind => $m::$lane::<true>(x),)*
                }
            }

            /// One `f32` value through the f32 lane without FMA (what the baseline
            /// target of [`Kernel::apply_f32`] computes).
            pub fn scalar_f32(self, x: f32) -> f32 {
                match self {
                    $(Kernel::$kind => single::$lane::<false>(x),)*
                }
            }

            /// [`Kernel::scalar_f32`] with fused multiply-adds (what FMA targets compute).
            #[cfg(test)]
            fn scalar_f32_fma(self, x: f32) -> f32 {
                match self {
                    $(Kernel::$kind => single::$lane::<true>(x),)*
                }
            }
        }
    };
}

kernels! {
    Exp => exp::exp_lane, exp_into, exp_inplace, exp_inplace32;
    ExpM1 => exp::expm1_lane, expm1_into, expm1_inplace, expm1_inplace32;
    Ln => log::ln_lane, ln_into, ln_inplace, ln_inplace32;
    Ln1p => log::ln1p_lane, ln1p_into, ln1p_inplace, ln1p_inplace32;
    Tanh => activation::tanh_lane, tanh_into, tanh_inplace, tanh_inplace32;
    Sigmoid => activation::sigmoid_lane, sigmoid_into, sigmoid_inplace, sigmoid_inplace32;
    Softplus => activation::softplus_lane, softplus_into, softplus_inplace, softplus_inplace32;
    Gelu => activation::gelu_lane, gelu_into, gelu_inplace, gelu_inplace32;
}

impl Kernel {
    /// The function's name, as the runtime op that uses it.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Exp => "exp",
            Kernel::ExpM1 => "exp_m1",
            Kernel::Ln => "ln",
            Kernel::Ln1p => "ln_1p",
            Kernel::Tanh => "tanh",
            Kernel::Sigmoid => "sigmoid",
            Kernel::Softplus => "softplus",
            Kernel::Gelu => "gelu",
        }
    }

    /// The same function through libm, one value at a time: the reference of the
    /// accuracy tests. `sigmoid` (and so `gelu`) does its divisions in double-double
    /// arithmetic so that the reference's own error is libm's.
    pub fn reference(self, x: f64) -> f64 {
        match self {
            Kernel::Exp => x.exp(),
            Kernel::ExpM1 => x.exp_m1(),
            Kernel::Ln => x.ln(),
            Kernel::Ln1p => x.ln_1p(),
            Kernel::Tanh => x.tanh(),
            Kernel::Sigmoid => sigmoid_libm(x),
            Kernel::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            Kernel::Gelu => {
                use crate::ops::{GELU_C, GELU_K};
                x * sigmoid_libm(2.0 * (GELU_C * (x + GELU_K * x * x * x)))
            }
        }
    }

    /// A new vector of `f(src[i])`.
    pub fn map(self, src: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(src.len());
        self.map_uninit(src, &mut out.spare_capacity_mut()[..src.len()]);
        // SAFETY: `map_uninit` wrote each of the first `src.len()` elements (the loop
        // zips `src` with a slice of that length).
        unsafe { out.set_len(src.len()) };
        out
    }

    /// Writes `f(src[i])` to `dst[i]`; an error naming the kernel and both lengths
    /// when they differ.
    pub fn map_into(self, src: &[f64], dst: &mut [f64]) -> Result<(), HypeError> {
        if src.len() != dst.len() {
            return Err(HypeError::Shape {
                op: self.name(),
                left: vec![src.len()],
                right: vec![dst.len()],
            });
        }
        dst.copy_from_slice(src);
        self.apply(dst);
        Ok(())
    }
}
