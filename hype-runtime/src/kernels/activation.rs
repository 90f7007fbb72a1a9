//! `tanh`, `sigmoid`, `softplus` and `gelu` as branch-free lane functions, built on
//! [`super::exp`] and [`super::log`].
//!
//! `tanh` is its Taylor series below `atanh(1/2)` and `1 - 2 / (e^(2|x|) + 1)` above
//! (a ratio of `e^(2|x|) - 1` and `e^(2|x|) + 1` costs up to 3 ulp near 0). `sigmoid` and `softplus` evaluate `e^(-|x|)` only, so
//! they never overflow.

use super::exp::exp_lane;
use super::log::ln1p_lane;
use super::mad;
use crate::ops::{GELU_C, GELU_K};

/// Beyond it `tanh` rounds to ±1.
const TANH_ONE: f64 = 20.0;
/// `atanh(1/2)`: below it the series, above it `1 - 2 / (e^(2x) + 1)` (whose
/// cancellation costs less than an ulp once the result is at least 1/2).
const TANH_SERIES_END: f64 = 0.549_306_144_334_054_9;

/// The Taylor coefficients of `tanh` for `x^3, x^5, ..., x^39`,
/// `2^2n (2^2n - 1) B_2n / (2n)!`; on `|x| < atanh(1/2)` the omitted terms are below
/// 0.01 ulp.
const TANH_TAYLOR: [f64; 19] = [
    -0.333_333_333_333_333_3,
    0.133_333_333_333_333_33,
    -0.053_968_253_968_253_97,
    0.021_869_488_536_155_203,
    -0.008_863_235_529_902_197,
    0.003_592_128_036_572_481,
    -0.001_455_834_387_051_318_3,
    0.000_590_027_440_945_586,
    -0.000_239_129_114_243_552_48,
    9.691_537_956_929_451e-5,
    -3.927_832_388_331_683e-5,
    1.591_890_506_932_896_4e-5,
    -6.451_689_215_655_431e-6,
    2.614_771_151_290_754_6e-6,
    -1.059_726_832_010_465_4e-6,
    4.294_911_078_273_806e-7,
    -1.740_661_896_357_164_8e-7,
    7.054_636_946_400_968e-8,
    -2.859_136_662_305_254e-8,
];

/// `tanh x`.
#[inline(always)]
pub(super) fn tanh_lane<const F: bool>(x: f64) -> f64 {
    let ax = x.abs();
    // Series: ax + ax^3 P(ax^2), the large term added last.
    let z = ax * ax;
    let mut p = TANH_TAYLOR[18];
    let mut i = 18;
    while i > 0 {
        i -= 1;
        p = mad::<F>(p, z, TANH_TAYLOR[i]);
    }
    let small = mad::<F>(ax * z, p, ax);
    // 1 - 2 / (e^(2|x|) + 1); past TANH_ONE it is 1 (and e^(2|x|) would overflow).
    let ac = if ax > TANH_ONE { TANH_ONE } else { ax };
    let large = 1.0 - 2.0 / (exp_lane::<F>(2.0 * ac) + 1.0);
    let y = if ax < TANH_SERIES_END { small } else { large };
    y.copysign(x)
}

/// `1 / (1 + e^-x)`: `n / (1 + e)` with `e = e^-|x|` and `n` 1 or `e`, correcting for
/// the roundings of `1 + e` and of the division, so that the error is about that of
/// `exp` (the plain quotient is 3 ulp off libm's at some of 10^7 points).
#[inline(always)]
pub(super) fn sigmoid_lane<const F: bool>(x: f64) -> f64 {
    let e = exp_lane::<F>(-x.abs());
    let n = if x >= 0.0 { 1.0 } else { e };
    let d = 1.0 + e;
    let dl = (1.0 - d) + e;
    let q = n / d;
    // The remainder `n - q d`, exact: one fused multiply-add, or Dekker's product.
    let rem = if F {
        (-q).mul_add(d, n)
    } else {
        let (ph, pl) = two_prod(q, d);
        (n - ph) - pl
    };
    let y = q + (rem - q * dl) / d;
    // NaN input: `q` is NaN too; keep it rather than a NaN from the correction.
    if y.is_nan() {
        q
    } else {
        y
    }
}

/// `a b = hi + lo` exactly (Dekker), without a fused multiply-add.
#[inline(always)]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let hi = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    let lo = ((ah * bh - hi) + ah * bl + al * bh) + al * bl;
    (hi, lo)
}

/// `a = hi + lo` with both halves of at most 26 significant bits (Veltkamp).
#[inline(always)]
fn split(a: f64) -> (f64, f64) {
    let c = 134_217_729.0 * a; // 2^27 + 1
    let hi = c - (c - a);
    (hi, a - hi)
}

/// `ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|)`.
#[inline(always)]
pub(super) fn softplus_lane<const F: bool>(x: f64) -> f64 {
    x.max(0.0) + ln1p_lane::<F>(exp_lane::<F>(-x.abs()))
}

/// GELU, tanh approximation, as `x sigmoid(2u)` with `u = sqrt(2/pi) (x + 0.044715 x^3)`:
/// the same function as `0.5 x (1 + tanh u)` without its cancellation for `x < 0`.
#[inline(always)]
pub(super) fn gelu_lane<const F: bool>(x: f64) -> f64 {
    x * sigmoid_lane::<F>(2.0 * (GELU_C * (x + GELU_K * x * x * x)))
}
