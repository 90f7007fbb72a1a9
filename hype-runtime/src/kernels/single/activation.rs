//! `tanh` and `sigmoid` in `f32` as branch-free lane functions, built on
//! [`super::exp`].
//!
//! Both end in a quotient `n / (1 + e)`. Rounded plainly (`1 + e`, then the division)
//! it is up to 2 ulp off; here the rounding error of `1 + e` and the division's
//! remainder are carried into a correction term, so that what is left is the error of
//! `exp`, scaled by at most 1, and one final rounding.

use super::exp::exp_lane;
use super::mad;

/// Beyond it `tanh` rounds to ±1 in f32 (`1 - tanh 9.02 < 2^-25`).
const TANH_ONE: f32 = 10.0;
/// Below it the series, above it `1 - 2 / (e^(2|x|) + 1)` (whose cancellation costs
/// less than an ulp once the result is at least 1/2).
const TANH_SERIES_END: f32 = 0.55;

/// The Taylor coefficients of `tanh` for `x^3, x^5, ..., x^17` (see the f64 table); on
/// `|x| < 0.55` the first omitted term is below 0.1 ulp.
const TANH_TAYLOR: [f32; 8] = [
    -0.333_333_34,
    0.133_333_33,
    -0.053_968_254,
    0.021_869_488,
    -0.008_863_236,
    0.003_592_128,
    -0.001_455_834_4,
    0.000_590_027_4,
];

/// `n / d` with `d = 1 + e` (`0 <= e`, `n` 1, 2 or `e`), within a few hundredths of an
/// ulp plus one rounding: the low part of `1 + e` and the remainder of the quotient are
/// folded into a correction.
#[inline(always)]
fn ratio<const F: bool>(n: f32, e: f32) -> f32 {
    let d = 1.0 + e;
    // `1 + e = d + dl` exactly (Fast2Sum, larger operand first).
    let dl = if e > 1.0 {
        (e - d) + 1.0
    } else {
        (1.0 - d) + e
    };
    let inv = 1.0 / d;
    let q = n * inv;
    // The remainder `n - q d`: one fused multiply-add, or Dekker's product.
    let rem = if F {
        (-q).mul_add(d, n)
    } else {
        let (ph, pl) = two_prod(q, d);
        (n - ph) - pl
    };
    // n / (d + dl) = q + (rem - q dl) / (d + dl); the correction needs few bits.
    q + (rem - q * dl) * inv
}

/// `a b = hi + lo` exactly (Dekker), without a fused multiply-add.
#[inline(always)]
fn two_prod(a: f32, b: f32) -> (f32, f32) {
    let hi = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
    (hi, lo)
}

/// `a = hi + lo` with both halves of at most 12 significant bits (Veltkamp).
#[inline(always)]
fn split(a: f32) -> (f32, f32) {
    let c = 4_097.0 * a; // 2^12 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `tanh x`.
#[inline(always)]
pub(in crate::kernels) fn tanh_lane<const F: bool>(x: f32) -> f32 {
    let ax = x.abs();
    // Series: ax + ax^3 P(ax^2), the large term added last.
    let z = ax * ax;
    let mut p = TANH_TAYLOR[7];
    let mut i = 7;
    while i > 0 {
        i -= 1;
        p = mad::<F>(p, z, TANH_TAYLOR[i]);
    }
    let small = mad::<F>(ax * z, p, ax);
    // 1 - 2 / (e^(2|x|) + 1); past TANH_ONE it is 1 (and e^(2|x|) would overflow).
    let ac = if ax > TANH_ONE { TANH_ONE } else { ax };
    let large = 1.0 - ratio::<F>(2.0, exp_lane::<F>(2.0 * ac));
    let y = if ax < TANH_SERIES_END { small } else { large };
    // NaN: `ax > TANH_ONE` and `ax < ..` are false, so `large` of NaN, NaN.
    y.copysign(x)
}

/// `1 / (1 + e^-x)` as `n / (1 + e)` with `e = e^-|x|` and `n` 1 or `e`: never
/// overflows, and for `x < 0` the result keeps the relative accuracy of `e`.
#[inline(always)]
pub(in crate::kernels) fn sigmoid_lane<const F: bool>(x: f32) -> f32 {
    let e = exp_lane::<F>(-x.abs());
    let n = if x >= 0.0 { 1.0 } else { e };
    ratio::<F>(n, e)
}
