//! `exp` and `exp_m1` in `f32` as branch-free lane functions.
//!
//! The f64 scheme ([`super::super::exp`]) with f32 constants: `x = n ln 2 + hi + lo`
//! (Cody–Waite, `hi` exact), `e^r - 1 - r` by its Taylor polynomial to degree 7 (the
//! first omitted term is below 0.15 ulp for `|r| <= ln 2 / 2`), `2^n` applied in two
//! halves so that results next to overflow and subnormal results are rounded once.

use super::mad;

/// `ln 2`, high part: 15 significant bits, so `n * LN2_HI` is exact for `|n| < 2^9`.
pub(super) const LN2_HI: f32 = 0.693_145_75;
/// `ln 2 - LN2_HI`.
pub(super) const LN2_LO: f32 = 1.428_606_8e-6;
/// `1.5 * 2^23`: adding it rounds to an integer and leaves that integer in the low bits.
const SHIFT: f32 = 12_582_912.0;

/// `1/k!` for `k = 2..=7`: the Taylor coefficients of `(e^r - 1 - r) / r^2`.
const TAYLOR: [f32; 6] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
];

/// `2^n` for `-126 <= n <= 127`, from the exponent bits.
#[inline(always)]
fn pow2(n: i32) -> f32 {
    f32::from_bits((n.wrapping_add(127) as u32) << 23)
}

/// `x = n ln 2 + hi + lo`: returns `(n, hi, lo)` with `hi` exact and
/// `|hi + lo| <= ln 2 / 2` (plus a rounding), for `|x| <= 104`.
#[inline(always)]
fn reduce(x: f32) -> (i32, f32, f32) {
    let kd = x * std::f32::consts::LOG2_E + SHIFT;
    // The integer in the low mantissa bits of `kd`, `|n| <= 151`.
    let n = (kd.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    let nf = kd - SHIFT;
    // Exact: `nf * LN2_HI` has at most 23 bits and lies within a factor 2 of `x`.
    let hi = x - nf * LN2_HI;
    let lo = -(nf * LN2_LO);
    (n, hi, lo)
}

/// `e^r - 1 - r` for `|r| <= ln 2 / 2`.
#[inline(always)]
fn expm1_tail<const F: bool>(r: f32) -> f32 {
    let mut p = TAYLOR[5];
    let mut i = 5;
    while i > 0 {
        i -= 1;
        p = mad::<F>(p, r, TAYLOR[i]);
    }
    r * r * p
}

/// `e^x`; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(in crate::kernels) fn exp_lane<const F: bool>(x: f32) -> f32 {
    // Beyond these bounds the result is inf or 0 anyway (e^-104 < 2^-150); NaN passes.
    let xc = x.clamp(-104.0, 89.0);
    let (n, hi, lo) = reduce(xc);
    let q = expm1_tail::<F>(hi + lo);
    let y = 1.0 + (hi + (lo + q));
    let n1 = n >> 1;
    y * pow2(n1) * pow2(n.wrapping_sub(n1))
}

/// `e^x - 1`, accurate near 0; `F` uses fused multiply-adds in the polynomial.
#[inline(always)]
pub(in crate::kernels) fn expm1_lane<const F: bool>(x: f32) -> f32 {
    // Below -18 the result rounds to -1; above 89 it overflows; NaN passes through.
    let xc = x.clamp(-18.0, 89.0);
    let (n, hi, lo) = reduce(xc);
    let u = lo + expm1_tail::<F>(hi + lo);
    // 2^n (1 + hi + u) - 1 at half scale, so that 2^(n-1) stays finite at n = 128;
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

/// `2^-25`: below it `e^x - 1` and `ln(1 + x)` round to `x`.
pub(super) const TINY: f32 = 2.980_232_2e-8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln2_split_is_exact_where_it_must_be() {
        // 15 significant bits (the low 9 of the 23 stored are zero).
        assert_eq!(LN2_HI.to_bits(), 0x3f31_7200);
        assert_eq!(LN2_HI.to_bits() & 0x1ff, 0);
        assert_eq!(
            (f64::from(LN2_HI) + f64::from(LN2_LO)) as f32,
            std::f32::consts::LN_2
        );
        let rest = std::f64::consts::LN_2 - f64::from(LN2_HI);
        assert_eq!(LN2_LO, rest as f32);
        assert_eq!(SHIFT.to_bits(), 0x4b40_0000);
    }
}
