//! `exp` and `exp_m1` as branch-free lane functions.
//!
//! Both split `x = n ln 2 + r` with `|r| <= ln 2 / 2` (Cody–Waite: `ln 2` in two parts
//! so that `x - n ln2_hi` is exact), evaluate `e^r - 1 - r` by its Taylor polynomial
//! to degree 13 (the first omitted term is below 0.05 ulp on that interval), and scale
//! by `2^n` through the exponent bits. The scaling is done in two halves so that
//! results next to overflow and subnormal results come out right with one rounding.

use super::mad;

/// `ln 2`, high part: its last 21 bits are zero, so `n * LN2_HI` is exact for `|n| < 2^21`.
pub(super) const LN2_HI: f64 = 0.693_147_180_369_123_8;
/// `ln 2 - LN2_HI`.
pub(super) const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// `1.5 * 2^52`: adding it rounds to an integer and leaves that integer in the low bits.
pub(super) const SHIFT: f64 = 6_755_399_441_055_744.0;

/// `1/k!` for `k = 2..=13`: the Taylor coefficients of `(e^r - 1 - r) / r^2`.
const TAYLOR: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `2^n` for `-1022 <= n <= 1023`, from the exponent bits.
#[inline(always)]
fn pow2(n: i64) -> f64 {
    f64::from_bits((n.wrapping_add(1023) as u64) << 52)
}

/// `x = n ln 2 + hi + lo`: returns `(n, hi, lo)` with `n` an integer (as `i64`), `hi`
/// exact and `|hi + lo| <= ln 2 / 2` (plus a rounding).
#[inline(always)]
fn reduce(x: f64) -> (i64, f64, f64) {
    let kd = x * std::f64::consts::LOG2_E + SHIFT;
    // The integer sits in the low mantissa bits of `kd` (no f64 -> i64 conversion,
    // which AVX2 does not have).
    let n = (kd.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let nf = kd - SHIFT;
    let hi = x - nf * LN2_HI;
    let lo = -(nf * LN2_LO);
    (n, hi, lo)
}

/// `e^r - 1 - r` for `|r| <= ln 2 / 2`.
#[inline(always)]
fn expm1_tail<const F: bool>(r: f64) -> f64 {
    let mut p = TAYLOR[11];
    let mut i = 11;
    while i > 0 {
        i -= 1;
        p = mad::<F>(p, r, TAYLOR[i]);
    }
    r * r * p
}

/// `e^x`; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(super) fn exp_lane<const F: bool>(x: f64) -> f64 {
    // Beyond these bounds the result is inf or 0 anyway; NaN passes through.
    let xc = x.clamp(-746.0, 710.0);
    let (n, hi, lo) = reduce(xc);
    let q = expm1_tail::<F>(hi + lo);
    let p = 1.0 + (hi + (lo + q));
    let n1 = n >> 1;
    p * pow2(n1) * pow2(n.wrapping_sub(n1))
}

/// `e^x - 1`, accurate near 0; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(super) fn expm1_lane<const F: bool>(x: f64) -> f64 {
    // Below -40 the result rounds to -1; above 710 it overflows; NaN passes through.
    let xc = x.clamp(-40.0, 710.0);
    let (n, hi, lo) = reduce(xc);
    let u = lo + expm1_tail::<F>(hi + lo);
    // 2^n (1 + hi + u) - 1 at half scale, so that 2^(n-1) stays finite at n = 1024;
    // adding `hi` before the small `u` keeps the reduction's rounding out of the sum.
    let s = pow2(n.wrapping_sub(1));
    let y = 2.0 * (((s - 0.5) + s * hi) + s * u);
    // Tiny arguments (and ±0) are their own result; halving them could lose bits.
    if x.abs() < TINY {
        x
    } else {
        y
    }
}

/// `2^-54`: below it `e^x - 1` and `ln(1 + x)` round to `x`.
pub(super) const TINY: f64 = 5.551_115_123_125_783e-17;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln2_split_is_exact_where_it_must_be() {
        assert_eq!(LN2_HI.to_bits(), 0x3fe6_2e42_fee0_0000);
        assert_eq!(LN2_LO.to_bits(), 0x3dea_39ef_3579_3c76);
        // `n * LN2_HI` exact for |n| < 2^21: its low 21 mantissa bits are zero.
        assert_eq!(LN2_HI.to_bits() & 0x1f_ffff, 0);
        assert_eq!(LN2_HI + LN2_LO, std::f64::consts::LN_2);
        assert_eq!(SHIFT.to_bits(), 0x4338_0000_0000_0000);
    }
}
