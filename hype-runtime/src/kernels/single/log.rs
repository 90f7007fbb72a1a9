//! `ln` in `f32` as a branch-free lane function.
//!
//! The f64 scheme ([`super::super::log`]) with f32 constants: `x = 2^k (1 + f)` with
//! `1 + f` in `[sqrt(1/2), sqrt(2))` (subnormals scaled by `2^24` first),
//! `s = f / (2 + f)`, `ln(1 + f) = 2s + s R(s^2)` with `R` the atanh series to `s^8`
//! (the first omitted term is below 0.05 ulp for `|s| <= 0.1716`), arranged as
//! `f - (f^2/2 - s (f^2/2 + R))` so that the large part `f` is added last.

use super::exp::{LN2_HI, LN2_LO};
use super::mad;

/// The bits of `sqrt(1/2)`: subtracting them puts the mantissa in `[sqrt(1/2), sqrt(2))`.
const SQRT_HALF_BITS: u32 = 0x3f35_04f3;
/// The mantissa bits of an f32.
const MANTISSA: u32 = 0x007f_ffff;
/// `2^24`, to bring subnormals into the normal range.
const TWO24: f32 = 16_777_216.0;

/// `2 / (2k + 1)` for `k = 1..=4`: `2 atanh(s) = 2s + s (c1 z + c2 z^2 + ...)`, `z = s^2`.
const ATANH: [f32; 4] = [2.0 / 3.0, 2.0 / 5.0, 2.0 / 7.0, 2.0 / 9.0];

/// `ln x`; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(in crate::kernels) fn ln_lane<const F: bool>(x: f32) -> f32 {
    let sub = x < f32::MIN_POSITIVE;
    let xs = if sub { x * TWO24 } else { x };
    let ix = xs.to_bits().wrapping_sub(SQRT_HALF_BITS);
    let k = (ix as i32) >> 23;
    let m = f32::from_bits((ix & MANTISSA).wrapping_add(SQRT_HALF_BITS));
    let kf = k as f32 - if sub { 24.0 } else { 0.0 };
    let f = m - 1.0;
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
    let y = kf * LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LN2_LO)) - f);
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
