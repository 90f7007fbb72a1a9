//! `ln` and `ln_1p` in `f32` as branch-free lane functions.
//!
//! The f64 scheme ([`super::super::log`]) with f32 constants: `x = 2^k (1 + f)` with
//! `1 + f` in `[sqrt(1/2), sqrt(2))` (subnormals scaled by `2^24` first),
//! `s = f / (2 + f)`, `ln(1 + f) = 2s + s R(s^2)` with `R` the atanh series to `s^8`
//! (the first omitted term is below 0.05 ulp for `|s| <= 0.1716`), arranged as
//! `f - (f^2/2 - s (f^2/2 + R))` so that the large part `f` is added last.
//! `ln_1p(x)` is `ln(1 + x)` plus the rounding error of `1 + x` divided by `1 + x`.

use super::exp::{LN2_HI, LN2_LO, TINY};
use super::mad;

/// The bits of `sqrt(1/2)`: subtracting them puts the mantissa in `[sqrt(1/2), sqrt(2))`.
const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
/// The mantissa bits of an f32.
const MANTISSA: u32 = 0x007f_ffff;
/// `2^24`, to bring subnormals into the normal range.
const TWO24: f32 = 16_777_216.0;

/// `2 / (2k + 1)` for `k = 1..=4`: `2 atanh(s) = 2s + s (c1 z + c2 z^2 + ...)`, `z = s^2`.
const ATANH: [f32; 4] = [2.0 / 3.0, 2.0 / 5.0, 2.0 / 7.0, 2.0 / 9.0];

/// `x = 2^k (1 + f)` with `1 + f` in `[sqrt(1/2), sqrt(2))`: returns `(k, f)` for
/// positive finite `x` (subnormals included), `f` exact.
#[inline(always)]
fn split_exponent(x: f32) -> (f32, f32) {
    let sub = x < f32::MIN_POSITIVE;
    let xs = if sub { x * TWO24 } else { x };
    let ix = xs.to_bits().wrapping_sub(SQRT_HALF_BITS);
    let k = (ix as i32) >> 23;
    let m = f32::from_bits((ix & MANTISSA).wrapping_add(SQRT_HALF_BITS));
    (k as f32 - if sub { 24.0 } else { 0.0 }, m - 1.0)
}

/// `k ln 2 + ln(1 + f)` for `1 + f` in `[sqrt(1/2), sqrt(2))`.
#[inline(always)]
fn ln_reduced<const F: bool>(kf: f32, f: f32) -> f32 {
    let s = f / (2.0 + f);
    let z = s * s;
    let mut p = ATANH[3];
    let mut i = 3;
    while i > 0 {
        i -= 1;
        p = mad::<F>(p, z, ATANH[i]);
    }
    let r = z * p;
    let hfsq = 0.5 * f * f;
    // `kf * LN2_HI` is exact (|k| <= 149, LN2_HI has 15 significant bits).
    kf * LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LN2_LO)) - f)
}

/// `ln x`; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(in crate::kernels) fn ln_lane<const F: bool>(x: f32) -> f32 {
    let (kf, f) = split_exponent(x);
    let y = ln_reduced::<F>(kf, f);
    if x.is_nan() {
        x
    } else if x < 0.0 {
        f32::NAN
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        x
    } else {
        y
    }
}

/// `ln(1 + x)`, accurate near 0; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(in crate::kernels) fn ln1p_lane<const F: bool>(x: f32) -> f32 {
    let u = 1.0 + x;
    let (kf, fu) = split_exponent(u);
    // With k = 0, `f` is `x` itself (no rounding of `1 + x` enters); otherwise `ln u`
    // plus the rounding error `c` of `1 + x` over `u` (`c` exact: larger operand first).
    let direct = kf == 0.0;
    let c = if x > 1.0 {
        1.0 - (u - x)
    } else {
        x - (u - 1.0)
    };
    let y = if direct {
        ln_reduced::<F>(0.0, x)
    } else {
        ln_reduced::<F>(kf, fu) + c / u
    };
    if x.is_nan() {
        x
    } else if x < -1.0 {
        f32::NAN
    } else if u == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY || x.abs() < TINY {
        x
    } else {
        y
    }
}
