//! `ln` and `ln_1p` as branch-free lane functions.
//!
//! `x = 2^k m` with `m` in `[sqrt(1/2), sqrt(2))`, read from the bits (subnormals are
//! scaled by `2^54` first); with `f = m - 1` and `s = f / (2 + f)`,
//! `ln(1 + f) = 2 atanh(s) = 2s + s R(s^2)`, `R` the atanh series to `s^22` (the first
//! omitted term is below 0.01 ulp for `|s| <= 0.1716`), arranged as
//! `f - (f^2/2 - s (f^2/2 + R))` so that the large part `f` is added last.
//! `ln_1p(x)` is `ln(1 + x)` plus the rounding error of `1 + x` divided by `1 + x`.

use super::exp::{LN2_HI, LN2_LO, SHIFT, TINY};
use super::mad;

/// The bits of `sqrt(1/2)`: subtracting them puts the mantissa in `[sqrt(1/2), sqrt(2))`.
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
/// The mantissa bits of an f64.
const MANTISSA: u64 = 0x000f_ffff_ffff_ffff;
/// `2^54`, to bring subnormals into the normal range.
const TWO54: f64 = 18_014_398_509_481_984.0;

/// `2 / (2k + 1)` for `k = 1..=11`: `2 atanh(s) = 2s + s (c1 z + c2 z^2 + ...)`, `z = s^2`.
const ATANH: [f64; 11] = [
    2.0 / 3.0,
    2.0 / 5.0,
    2.0 / 7.0,
    2.0 / 9.0,
    2.0 / 11.0,
    2.0 / 13.0,
    2.0 / 15.0,
    2.0 / 17.0,
    2.0 / 19.0,
    2.0 / 21.0,
    2.0 / 23.0,
];

/// `x = 2^k (1 + f)` with `1 + f` in `[sqrt(1/2), sqrt(2))`: returns `(k, f)` for
/// positive finite `x` (subnormals included), `f` exact.
#[inline(always)]
fn split_exponent(x: f64) -> (f64, f64) {
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * TWO54 } else { x };
    let ix = xs.to_bits().wrapping_sub(SQRT_HALF_BITS);
    let k = (ix as i64) >> 52;
    let m = f64::from_bits((ix & MANTISSA).wrapping_add(SQRT_HALF_BITS));
    // k as f64 through the low mantissa bits of SHIFT (AVX2 has no i64 -> f64).
    let kf = f64::from_bits(SHIFT.to_bits().wrapping_add(k as u64))
        - SHIFT
        - if sub { 54.0 } else { 0.0 };
    (kf, m - 1.0)
}

/// `k ln 2 + ln(1 + f)` for `1 + f` in `[sqrt(1/2), sqrt(2))`.
#[inline(always)]
fn ln_reduced<const F: bool>(kf: f64, f: f64) -> f64 {
    let s = f / (2.0 + f);
    let z = s * s;
    let mut p = ATANH[10];
    let mut i = 10;
    while i > 0 {
        i -= 1;
        p = mad::<F>(p, z, ATANH[i]);
    }
    let r = z * p;
    let hfsq = 0.5 * f * f;
    kf * LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LN2_LO)) - f)
}

/// `ln x`; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(super) fn ln_lane<const F: bool>(x: f64) -> f64 {
    let (kf, f) = split_exponent(x);
    let y = ln_reduced::<F>(kf, f);
    if x.is_nan() {
        x
    } else if x < 0.0 {
        f64::NAN
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        y
    }
}

/// `ln(1 + x)`, accurate near 0; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(super) fn ln1p_lane<const F: bool>(x: f64) -> f64 {
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
        f64::NAN
    } else if u == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY || x.abs() < TINY {
        x
    } else {
        y
    }
}
