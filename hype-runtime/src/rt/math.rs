//! The rest of the float math methods, elementwise on f64/f32 and arrays of them, with their rules:
//! `exp2 exp_m1 ln_1p log asinh acosh atanh to_degrees to_radians`, the piecewise
//! constant `signum floor ceil round trunc` (zero derivative, as JAX), `fract`, and
//! `clamp`. Same conventions as [`super::elementwise`].
//!
//! Kinks: `clamp(x, lo, hi)` gives the whole derivative to `x` when `lo <= x <= hi`,
//! to `lo` below and to `hi` above (ties go to `x`, as `max`/`min` give them to their
//! first argument). `fract`'s derivative is 1 (its jumps are ignored, as `floor`'s).

use super::elementwise::{k, unary_kernel, unary_primal, unary_rules};
use super::{
    broadcast_to, div, mul, neg, sub, sum_to, zeros_like, Arith, BroadcastTo, Elementwise, EwOut,
    EwOwned, SumTo, Val, ZipOut, ZipWith,
};
use crate::float::cst;
#[allow(unused_imports)]
use num_traits::Float as _;

unary_primal!(exp2, |x| x.exp2(), "`2^a` elementwise.");
unary_kernel!(
    exp_m1,
    ExpM1,
    |x| x.exp_m1(),
    "`e^a - 1` elementwise (accurate near 0)."
);
unary_kernel!(
    ln_1p,
    Ln1p,
    |x| x.ln_1p(),
    "`ln(1 + a)` elementwise (accurate near 0)."
);
unary_primal!(asinh, |x| x.asinh(), "Inverse hyperbolic sine elementwise.");
unary_primal!(
    acosh,
    |x| x.acosh(),
    "Inverse hyperbolic cosine elementwise."
);
unary_primal!(
    atanh,
    |x| x.atanh(),
    "Inverse hyperbolic tangent elementwise."
);
unary_primal!(
    to_degrees,
    |x| x.to_degrees(),
    "Radians to degrees elementwise."
);
unary_primal!(
    to_radians,
    |x| x.to_radians(),
    "Degrees to radians elementwise."
);
unary_primal!(
    signum,
    |x| x.signum(),
    "`f64::signum` elementwise (1 at +0, -1 at -0). Zero derivative."
);
unary_primal!(floor, |x| x.floor(), "Floor elementwise. Zero derivative.");
unary_primal!(ceil, |x| x.ceil(), "Ceiling elementwise. Zero derivative.");
unary_primal!(
    round,
    |x| x.round(),
    "Rounding elementwise. Zero derivative."
);
unary_primal!(
    trunc,
    |x| x.trunc(),
    "Truncation elementwise. Zero derivative."
);
unary_primal!(
    fract,
    |x| x.fract(),
    "Fractional part elementwise (derivative 1)."
);

unary_rules!(exp2, exp2_jvp0, exp2_vjp0, "r ln 2", |a, r| mul(
    r,
    &k::<A>(std::f64::consts::LN_2)
));
unary_rules!(exp_m1, exp_m1_jvp0, exp_m1_vjp0, "(r + 1)", |a, r| r
    .map_ew(|t| t + k::<A>(1.0)));
unary_rules!(ln_1p, ln_1p_jvp0, ln_1p_vjp0, "1/(1 + a)", |a, r| a
    .v()
    .map_ew(|x| (k::<A>(1.0) + x).recip()));
unary_rules!(asinh, asinh_jvp0, asinh_vjp0, "1/sqrt(a^2 + 1)", |a, r| a
    .v()
    .map_ew(|x| (x * x + k::<A>(1.0)).sqrt().recip()));
unary_rules!(acosh, acosh_jvp0, acosh_vjp0, "1/sqrt(a^2 - 1)", |a, r| a
    .v()
    .map_ew(|x| (x * x - k::<A>(1.0)).sqrt().recip()));
unary_rules!(atanh, atanh_jvp0, atanh_vjp0, "1/(1 - a^2)", |a, r| a
    .v()
    .map_ew(|x| (k::<A>(1.0) - x * x).recip()));
unary_rules!(
    to_degrees,
    to_degrees_jvp0,
    to_degrees_vjp0,
    "180/pi",
    |a, r| a.v().map_ew(|_| k::<A>(180.0 / std::f64::consts::PI))
);
unary_rules!(
    to_radians,
    to_radians_jvp0,
    to_radians_vjp0,
    "pi/180",
    |a, r| a.v().map_ew(|_| k::<A>(std::f64::consts::PI / 180.0))
);
unary_rules!(signum, signum_jvp0, signum_vjp0, "0", |a, r| zeros_like(a));
unary_rules!(floor, floor_jvp0, floor_vjp0, "0", |a, r| zeros_like(a));
unary_rules!(ceil, ceil_jvp0, ceil_vjp0, "0", |a, r| zeros_like(a));
unary_rules!(round, round_jvp0, round_vjp0, "0", |a, r| zeros_like(a));
unary_rules!(trunc, trunc_jvp0, trunc_vjp0, "0", |a, r| zeros_like(a));
unary_rules!(fract, fract_jvp0, fract_vjp0, "1", |a, r| a
    .v()
    .map_ew(|_| k::<A>(1.0)));

// ---------------------------------------------------------------------------------------
// log(a, base) = ln(a) / ln(base), broadcasting
// ---------------------------------------------------------------------------------------

/// `log_base(a)` elementwise with broadcasting (`x.log(b)`).
#[inline]
#[track_caller]
pub fn log<A, B>(a: &A, base: &B) -> ZipOut<A, B>
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    A::V: ZipWith<B::V>,
{
    a.v().zip_ew(base.v(), "log", |x, b| x.log(b))
}

/// Tangent of `log` wrt `a`: `da / (a ln b)`.
#[inline]
#[track_caller]
pub fn log_jvp0<A, B, R, T>(a: &A, b: &B, r: &R, da: &T) -> R::V
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: EwOwned + Arith<T::V, Output = R::V>,
    A::V: BroadcastTo<R::V, Out = R::V>,
    B::V: BroadcastTo<R::V, Out = R::V>,
{
    mul(&log_d0(&broadcast_to(a, r), &broadcast_to(b, r)), da)
}

/// Tangent of `log` wrt the base: `-db r / (b ln b)`.
#[inline]
#[track_caller]
pub fn log_jvp1<A, B, R, T>(a: &A, b: &B, r: &R, db: &T) -> R::V
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: EwOwned + Arith<T::V, Output = R::V>,
    A::V: BroadcastTo<R::V, Out = R::V>,
    B::V: BroadcastTo<R::V, Out = R::V>,
{
    let _ = a;
    mul(&log_d1(&broadcast_to(b, r), r.v()), db)
}

/// Adjoint of `log` wrt `a`, summed to the shape of `a`.
#[inline]
#[track_caller]
pub fn log_vjp0<A, B, R, G>(a: &A, b: &B, r: &R, g: &G) -> <R::V as SumTo<A::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    R: Val + ?Sized,
    G: Val + ?Sized,
    R::V: EwOwned + SumTo<A::V> + Arith<G::V, Output = R::V>,
    A::V: BroadcastTo<R::V, Out = R::V>,
    B::V: BroadcastTo<R::V, Out = R::V>,
{
    sum_to(
        &mul(&log_d0(&broadcast_to(a, r), &broadcast_to(b, r)), g),
        a,
    )
}

/// Adjoint of `log` wrt the base, summed to the shape of the base.
#[inline]
#[track_caller]
pub fn log_vjp1<A, B, R, G>(a: &A, b: &B, r: &R, g: &G) -> <R::V as SumTo<B::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    R: Val + ?Sized,
    G: Val + ?Sized,
    R::V: EwOwned + SumTo<B::V> + Arith<G::V, Output = R::V>,
    A::V: BroadcastTo<R::V, Out = R::V>,
    B::V: BroadcastTo<R::V, Out = R::V>,
{
    let _ = a;
    sum_to(&mul(&log_d1(&broadcast_to(b, r), r.v()), g), b)
}

/// `1 / (a ln b)`.
fn log_d0<V: EwOwned>(a: &V, b: &V) -> V {
    super::recip(&mul(a, &super::ln(b)))
}

/// `-r / (b ln b)`.
fn log_d1<V: EwOwned>(b: &V, r: &V) -> V {
    neg(&div(r, &mul(b, &super::ln(b))))
}

// ---------------------------------------------------------------------------------------
// clamp(x, lo, hi), broadcasting
// ---------------------------------------------------------------------------------------

/// `x.clamp(lo, hi)` elementwise with broadcasting; panics naming the op when
/// `lo > hi` or either is NaN (as `f64::clamp`).
#[inline]
#[track_caller]
pub fn clamp<A, B, C>(a: &A, lo: &B, hi: &C) -> <ZipOut<A, B> as ZipWith<C::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    C: Val + ?Sized,
    A::V: ZipWith<B::V>,
    ZipOut<A, B>: ZipWith<C::V>,
{
    a.v()
        .zip_ew(lo.v(), "clamp", |x, l| x.max(l))
        .zip_ew(hi.v(), "clamp", |x, h| x.min(h))
}

/// Which argument of `clamp` receives the derivative at each element: 0 (`x`), 1
/// (`lo`) or 2 (`hi`), as a 0/1 mask over the result's shape.
fn clamp_mask<A, B, C, R>(a: &A, lo: &B, hi: &C, r: &R, k: usize) -> R::V
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    C: Val + ?Sized,
    R: Val + ?Sized,
    R::V: EwOwned,
    A::V: BroadcastTo<R::V, Out = R::V>,
    B::V: BroadcastTo<R::V, Out = R::V>,
    C::V: BroadcastTo<R::V, Out = R::V>,
{
    let x = broadcast_to(a, r);
    let below = sub(&broadcast_to(lo, r), &x);
    let above = sub(&x, &broadcast_to(hi, r));
    let (zero, one) = (cst::<<R::V as Elementwise>::Elem>(0.0), cst(1.0));
    let pick = |b, h| -> [_; 3] {
        if b > zero {
            [zero, one, zero]
        } else if h > zero {
            [zero, zero, one]
        } else {
            [one, zero, zero]
        }
    };
    below.zip_ew(&above, "clamp", |b, h| pick(b, h)[k])
}

macro_rules! clamp_rules {
    ($k:literal, $jvp:ident, $vjp:ident, $arg:ident, |$a:ident, $lo:ident, $hi:ident| $target:ident, $what:literal) => {
        #[doc = concat!("Tangent of `clamp` wrt ", $what, ".")]
        #[inline]
        #[track_caller]
        pub fn $jvp<A, B, C, R, T>($a: &A, $lo: &B, $hi: &C, r: &R, d: &T) -> R::V
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            C: Val + ?Sized,
            R: Val + ?Sized,
            T: Val + ?Sized,
            R::V: EwOwned + Arith<T::V, Output = R::V>,
            A::V: BroadcastTo<R::V, Out = R::V>,
            B::V: BroadcastTo<R::V, Out = R::V>,
            C::V: BroadcastTo<R::V, Out = R::V>,
        {
            mul(&clamp_mask($a, $lo, $hi, r, $k), d)
        }

        #[doc = concat!("Adjoint of `clamp` wrt ", $what, ", summed to its shape.")]
        #[inline]
        #[track_caller]
        pub fn $vjp<A, B, C, R, G>(
            $a: &A,
            $lo: &B,
            $hi: &C,
            r: &R,
            g: &G,
        ) -> <R::V as SumTo<$arg::V>>::Out
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            C: Val + ?Sized,
            R: Val + ?Sized,
            G: Val + ?Sized,
            R::V: EwOwned + SumTo<$arg::V> + Arith<G::V, Output = R::V>,
            A::V: BroadcastTo<R::V, Out = R::V>,
            B::V: BroadcastTo<R::V, Out = R::V>,
            C::V: BroadcastTo<R::V, Out = R::V>,
        {
            sum_to(&mul(&clamp_mask($a, $lo, $hi, r, $k), g), $target)
        }
    };
}

clamp_rules!(
    0,
    clamp_jvp0,
    clamp_vjp0,
    A,
    |a, lo, hi| a,
    "`x` (1 where `lo <= x <= hi`)"
);
clamp_rules!(
    1,
    clamp_jvp1,
    clamp_vjp1,
    B,
    |a, lo, hi| lo,
    "`lo` (1 where `x < lo`)"
);
clamp_rules!(
    2,
    clamp_jvp2,
    clamp_vjp2,
    C,
    |a, lo, hi| hi,
    "`hi` (1 where `x > hi`)"
);
