//! The kernels' lane functions in `f32`, for arrays of `f32` ([`super::Kernel::apply_f32`]).
//!
//! `exp`, `exp_m1`, `ln`, `ln_1p`, `tanh` and `sigmoid` are computed in `f32` (16 lanes
//! with AVX-512, 8 with AVX2, twice the f64 loop's width); each is within 1 ulp of the
//! correctly rounded result (libm's f64 value rounded to f32) on every input tested,
//! subnormals, ±0, ±inf, NaN and the saturation ranges included (`accuracy_tests`).
//! `softplus` and `gelu` widen each value to `f64`, call the f64 lane and round once:
//! composed in f32 their errors add up past 1 ulp (`softplus` from the f32 `exp` and
//! `ln_1p` is 2 ulp off near `x = 0.36`; `gelu`'s argument to `exp` would need more bits
//! than f32 has, an error `e` in it is `|x| e` in the result).

mod activation;
mod exp;
mod log;

#[cfg(test)]
mod accuracy_tests;

pub(super) use activation::{sigmoid_lane, tanh_lane};
pub(super) use exp::{exp_lane, expm1_lane};
pub(super) use log::{ln1p_lane, ln_lane};

/// `a * b + c`, fused when `F` (the target has FMA), else two roundings.
#[inline(always)]
fn mad<const F: bool>(a: f32, b: f32, c: f32) -> f32 {
    if F {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// f32 lanes through the f64 lane of the same name: widened, computed, rounded once.
macro_rules! widened {
    ($($lane:ident => $m:ident;)*) => {
        $(
            #[inline(always)]
            pub(super) fn $lane<const F: bool>(x: f32) -> f32 {
                super::$m::$lane::<F>(f64::from(x)) as f32
            }
        )*
    };
}

widened! {
    softplus_lane => activation;
    gelu_lane => activation;
}
