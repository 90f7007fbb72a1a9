//! Elementwise math on `f64`/`f32` and on ndarray arrays of them (owned or views, any
//! dimension), with tangent and adjoint rules.
//!
//! Every op follows the convention of [`crate::rt`]: `op(a, .., s..)`,
//! `op_jvp{k}(a, .., s.., &r, &d)` shaped like the result, `op_vjp{k}(a, .., s.., &r, &g)`
//! shaped like argument `k`. Rules are compositions of primitives that have rules
//! themselves (`mul`, `div`, `neg`, `add`, `sub`, `sum_to`, `broadcast_to` and the ops of
//! this module), so derivative code can be differentiated again; the derivative factors
//! of the unary functions are one elementwise pass each (second order differentiates
//! the directional-derivative code of `dir_rules`, never these rules).
//!
//! Binary ops (`powf max min hypot atan2`) and `mul_add` broadcast like `+ - * /`
//! (NumPy rules); incompatible shapes panic with a message naming the op and both shapes.
//!
//! # Conventions at kinks and singular points
//!
//! * `sign(0) = 0` and `step(x) = 1` for `x > 0`, `0` otherwise (also at `0` and NaN).
//! * `abs`: derivative `sign(x)`, so `0` at `x = 0`.
//! * `max(a, b)` / `min(a, b)`: at ties (`a == b`) the whole derivative goes to the
//!   first argument `a` (the two partials always sum to one).
//! * `powi(a, 0)`: derivative exactly `0` everywhere (also at `a = 0`).
//! * `powf(a, b)`: the partial wrt `b` is `r * ln(a)`, defined for `a > 0` only.
//! * `hypot` at `(0, 0)` and `atan2` at `(0, 0)` have no derivative; the rules give NaN.
//! * `sqrt`, `cbrt`, `ln`, `log2`, `log10`, `recip` at `0`, and `asin`/`acos` at `±1`,
//!   give infinite (or NaN) derivatives, as the mathematics says.

use super::{add, div, mul, neg, sub};
use super::{broadcast_to, check_broadcast, sum_to, Arith, BroadcastTo, Negate, SumTo, Val};
use crate::float::cst;
use crate::kernels::Kernel;
use crate::Float;
use ndarray::{Array, ArrayBase, Data, DimMax, Dimension};
#[allow(unused_imports)]
use num_traits::Float as _;

/// A value that elementwise math applies to: `f64`, `f32` or an ndarray array (or
/// view) of either.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support elementwise math",
    note = "elementwise math applies to f64, f32 and ndarray arrays of them (and references to them)"
)]
pub trait Elementwise {
    /// The scalar type: `f64` or `f32`.
    type Elem: Float;
    /// The owned result type (`F`, or `Array<F, D>` for arrays of dimension `D`).
    type Out: EwOwned<Elem = Self::Elem>;
    /// Applies `f` to every element, returning an owned value of the same shape.
    fn map_ew<M: Fn(Self::Elem) -> Self::Elem>(&self, f: M) -> Self::Out;
    /// The shape (`[]` for a scalar).
    fn shape_ew(&self) -> &[usize];
    /// The number of elements (1 for a scalar).
    fn len_ew(&self) -> usize {
        self.shape_ew().iter().product()
    }
    /// The sum of all elements.
    fn sum_ew(&self) -> Self::Elem;
    /// Applies the vectorized `kernel` to every element (arrays of `f64`), or `scalar`
    /// (libm) to a scalar and to arrays of `f32`.
    fn map_kernel(&self, kernel: Kernel, scalar: fn(Self::Elem) -> Self::Elem) -> Self::Out {
        let _ = kernel;
        self.map_ew(scalar)
    }
}

/// The scalar type of a value type `A` (through references).
pub type EwElem<A> = <<A as Val>::V as Elementwise>::Elem;

/// Owned values closed under the elementwise and arithmetic primitives: `F` and
/// `Array<F, D>` for `F` = `f64` or `f32`. Rules compute with these so that their
/// bounds stay short.
pub trait EwOwned:
    Sized
    + Clone
    + Val<V = Self>
    + Elementwise<Out = Self>
    + Arith<Self, Output = Self>
    + Arith<<Self as Elementwise>::Elem, Output = Self>
    + Negate<Output = Self>
    + ZipWith<Self, Out = Self>
    + ZipWith<<Self as Elementwise>::Elem, Out = Self>
    + SumTo<Self, Out = Self>
    + BroadcastTo<Self, Out = Self>
{
}

impl<F: Float> EwOwned for F {}
impl<F: Float, D: Dimension> EwOwned for Array<F, D> {}

impl<F: Float> Elementwise for F {
    type Elem = F;
    type Out = F;
    #[inline]
    fn map_ew<M: Fn(F) -> F>(&self, f: M) -> F {
        f(*self)
    }
    #[inline]
    fn shape_ew(&self) -> &[usize] {
        &[]
    }
    #[inline]
    fn sum_ew(&self) -> F {
        *self
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> Elementwise for ArrayBase<S, D> {
    type Elem = F;
    type Out = Array<F, D>;
    #[inline]
    fn map_ew<M: Fn(F) -> F>(&self, f: M) -> Array<F, D> {
        self.mapv(f)
    }
    #[inline]
    fn shape_ew(&self) -> &[usize] {
        self.shape()
    }
    #[inline]
    fn sum_ew(&self) -> F {
        self.sum()
    }
    fn map_kernel(&self, kernel: Kernel, scalar: fn(F) -> F) -> Array<F, D> {
        F::map_kernel_array(self, kernel, scalar)
    }
}

/// Combines two values elementwise with broadcasting (NumPy rules); both have the
/// same scalar type.
#[diagnostic::on_unimplemented(
    message = "cannot combine `{Self}` and `{Rhs}` elementwise",
    note = "operands must be f64 or ndarray arrays of f64 (or all f32) whose shapes broadcast"
)]
pub trait ZipWith<Rhs: ?Sized>: Elementwise {
    /// The owned result type.
    type Out: EwOwned<Elem = Self::Elem>;
    /// `f(self[i], rhs[i])` over the broadcast shape; panics naming `op` on a shape mismatch.
    fn zip_ew<M: Fn(Self::Elem, Self::Elem) -> Self::Elem>(
        &self,
        rhs: &Rhs,
        op: &str,
        f: M,
    ) -> <Self as ZipWith<Rhs>>::Out;
}

impl<F: Float> ZipWith<F> for F {
    type Out = F;
    #[inline]
    fn zip_ew<M: Fn(F, F) -> F>(&self, rhs: &F, _op: &str, f: M) -> F {
        f(*self, *rhs)
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> ZipWith<ArrayBase<S, D>> for F {
    type Out = Array<F, D>;
    #[inline]
    fn zip_ew<M: Fn(F, F) -> F>(&self, rhs: &ArrayBase<S, D>, _op: &str, f: M) -> Array<F, D> {
        let a = *self;
        rhs.mapv(|y| f(a, y))
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> ZipWith<F> for ArrayBase<S, D> {
    type Out = Array<F, D>;
    #[inline]
    fn zip_ew<M: Fn(F, F) -> F>(&self, rhs: &F, _op: &str, f: M) -> Array<F, D> {
        let b = *rhs;
        self.mapv(|x| f(x, b))
    }
}

impl<F, S1, S2, D1, D2> ZipWith<ArrayBase<S2, D2>> for ArrayBase<S1, D1>
where
    F: Float,
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    D1: Dimension + DimMax<D2>,
    D2: Dimension,
{
    type Out = Array<F, <D1 as DimMax<D2>>::Output>;
    #[track_caller]
    fn zip_ew<M: Fn(F, F) -> F>(
        &self,
        rhs: &ArrayBase<S2, D2>,
        op: &str,
        f: M,
    ) -> Array<F, <D1 as DimMax<D2>>::Output> {
        let shape: <D1 as DimMax<D2>>::Output = co_shape(op, self.shape(), rhs.shape());
        let (a, b) = match (self.broadcast(shape.clone()), rhs.broadcast(shape)) {
            (Some(a), Some(b)) => (a, b),
            _ => super::shape_panic(op, self.shape(), rhs.shape()),
        };
        ndarray::Zip::from(&a).and(&b).map_collect(|&x, &y| f(x, y))
    }
}

/// The broadcast shape of `left` and `right` as dimension type `O`.
#[track_caller]
fn co_shape<O: Dimension>(op: &str, left: &[usize], right: &[usize]) -> O {
    check_broadcast(op, left, right);
    let n = left.len().max(right.len());
    let mut out = O::zeros(n);
    {
        let mut view = out.as_array_view_mut();
        for i in 0..n {
            let l = if i < left.len() {
                left[left.len() - 1 - i]
            } else {
                1
            };
            let r = if i < right.len() {
                right[right.len() - 1 - i]
            } else {
                1
            };
            view[n - 1 - i] = if l == 1 { r } else { l };
        }
    }
    out
}

/// The owned elementwise result type for a value of type `A` (through references).
pub type EwOut<A> = <<A as Val>::V as Elementwise>::Out;

/// The owned result type of a broadcasting binary elementwise op on `A` and `B`.
pub type ZipOut<A, B> = <<A as Val>::V as ZipWith<<B as Val>::V>>::Out;

// ---------------------------------------------------------------------------------------
// Unary primals
// ---------------------------------------------------------------------------------------

macro_rules! unary_primal {
    ($name:ident, $f:expr, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub fn $name<A>(a: &A) -> EwOut<A>
        where
            A: Val + ?Sized,
            A::V: Elementwise,
        {
            a.v().map_ew($f)
        }
    };
}

pub(crate) use unary_primal;

/// A unary primal computed by a vectorized [`Kernel`] on arrays and by `$f` on `f64`.
macro_rules! unary_kernel {
    ($name:ident, $kernel:ident, $f:expr, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub fn $name<A>(a: &A) -> EwOut<A>
        where
            A: Val + ?Sized,
            A::V: Elementwise,
        {
            a.v().map_kernel($crate::kernels::Kernel::$kernel, $f)
        }
    };
}

pub(crate) use unary_kernel;

unary_kernel!(exp, Exp, |x| x.exp(), "`e^a` elementwise.");
unary_kernel!(ln, Ln, |x| x.ln(), "Natural logarithm elementwise.");
unary_primal!(log2, |x| x.log2(), "Base-2 logarithm elementwise.");
unary_primal!(log10, |x| x.log10(), "Base-10 logarithm elementwise.");
unary_primal!(sqrt, |x| x.sqrt(), "Square root elementwise.");
unary_primal!(cbrt, |x| x.cbrt(), "Cube root elementwise.");
unary_primal!(sin, |x| x.sin(), "Sine elementwise.");
unary_primal!(cos, |x| x.cos(), "Cosine elementwise.");
unary_primal!(tan, |x| x.tan(), "Tangent elementwise.");
unary_primal!(asin, |x| x.asin(), "Arcsine elementwise.");
unary_primal!(acos, |x| x.acos(), "Arccosine elementwise.");
unary_primal!(atan, |x| x.atan(), "Arctangent elementwise.");
unary_primal!(sinh, |x| x.sinh(), "Hyperbolic sine elementwise.");
unary_primal!(cosh, |x| x.cosh(), "Hyperbolic cosine elementwise.");
unary_kernel!(tanh, Tanh, |x| x.tanh(), "Hyperbolic tangent elementwise.");
unary_primal!(
    abs,
    |x| x.abs(),
    "Absolute value elementwise (derivative `sign`, 0 at 0)."
);
unary_primal!(recip, |x| x.recip(), "`1 / a` elementwise.");
unary_primal!(
    sign,
    sign_s,
    "Sign elementwise: -1, 0 (at 0) or 1; NaN stays NaN. Zero derivative."
);
unary_primal!(
    step,
    step_s,
    "Heaviside step elementwise: 1 where `a > 0`, else 0. Zero derivative."
);
unary_primal!(
    zeros_like,
    zero_s,
    "Zeros shaped like `a` (a constant: zero derivative)."
);
unary_primal!(
    identity,
    |x| x,
    "An owned copy of `a` (identity; its rules are the identity)."
);

#[inline]
fn sign_s<F: Float>(x: F) -> F {
    if x > F::zero() {
        F::one()
    } else if x < F::zero() {
        -F::one()
    } else {
        x * F::zero() // 0 for ±0, NaN for NaN
    }
}

#[inline]
fn step_s<F: Float>(x: F) -> F {
    if x > F::zero() {
        F::one()
    } else {
        F::zero()
    }
}

#[inline]
fn zero_s<F: Float>(_x: F) -> F {
    F::zero()
}

/// `v` as the scalar type of `A` (constants of rules).
#[inline]
pub(crate) fn k<A>(v: f64) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    cst(v)
}

/// `a^n` elementwise for a static integer exponent `n`.
#[inline]
pub fn powi<A>(a: &A, n: i32) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    // Small powers as products (the same roundings as `powi`, without its call).
    match n {
        2 => a.v().map_ew(|x| x * x),
        3 => a.v().map_ew(|x| x * x * x),
        _ => a.v().map_ew(|x| x.powi(n)),
    }
}

// ---------------------------------------------------------------------------------------
// Unary rules: the Jacobian is diagonal, so both rules multiply by the same factor.
// ---------------------------------------------------------------------------------------

/// Generates `NAME_jvp0` and `NAME_vjp0` for a unary op whose derivative is `$factor`,
/// an expression of `$a` (the argument) and `$r` (the result, `&EwOut<A>`).
macro_rules! unary_rules {
    ($name:ident, $jvp:ident, $vjp:ident, $what:literal, |$a:ident, $r:ident| $factor:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            /// The derivative, from the argument and the result.
            #[inline]
            #[allow(unused_variables)]
            pub(super) fn factor<A>($a: &A, $r: &$crate::rt::EwOut<A>) -> $crate::rt::EwOut<A>
            where
                A: $crate::rt::Val + ?Sized,
                A::V: $crate::rt::Elementwise,
            {
                $factor
            }
        }
        #[doc = concat!("Tangent of `", stringify!($name), "`: `d * ", $what, "`.")]
        #[inline]
        pub fn $jvp<A, R, T>(a: &A, $r: &R, d: &T) -> $crate::rt::EwOut<A>
        where
            A: $crate::rt::Val + ?Sized,
            A::V: $crate::rt::Elementwise,
            R: $crate::rt::Val<V = $crate::rt::EwOut<A>> + ?Sized,
            T: $crate::rt::Val + ?Sized,
            $crate::rt::EwOut<A>: $crate::rt::Arith<T::V, Output = $crate::rt::EwOut<A>>,
        {
            $crate::rt::mul(&$name::factor(a, $crate::rt::Val::v($r)), d)
        }

        #[doc = concat!("Adjoint of `", stringify!($name), "`: `g * ", $what, "`.")]
        #[inline]
        pub fn $vjp<A, R, G>(a: &A, $r: &R, g: &G) -> $crate::rt::EwOut<A>
        where
            A: $crate::rt::Val + ?Sized,
            A::V: $crate::rt::Elementwise,
            R: $crate::rt::Val<V = $crate::rt::EwOut<A>> + ?Sized,
            G: $crate::rt::Val + ?Sized,
            $crate::rt::EwOut<A>: $crate::rt::Arith<G::V, Output = $crate::rt::EwOut<A>>,
        {
            $crate::rt::mul(&$name::factor(a, $crate::rt::Val::v($r)), g)
        }
    };
}

pub(crate) use unary_rules;

/// Tangent of `exp`: `d * r`.
#[inline]
pub fn exp_jvp0<A, R, T>(_a: &A, r: &R, d: &T) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    R: Val<V = EwOut<A>> + ?Sized,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    mul(r, d)
}

/// Adjoint of `exp`: `g * r`.
#[inline]
pub fn exp_vjp0<A, R, G>(_a: &A, r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    R: Val<V = EwOut<A>> + ?Sized,
    G: Val + ?Sized,
    EwOut<A>: Arith<G::V, Output = EwOut<A>>,
{
    mul(r, g)
}
unary_rules!(ln, ln_jvp0, ln_vjp0, "1/a", |a, r| recip(a));
unary_rules!(log2, log2_jvp0, log2_vjp0, "1/(a ln 2)", |a, r| mul(
    &recip(a),
    &k::<A>(std::f64::consts::LOG2_E)
));
unary_rules!(log10, log10_jvp0, log10_vjp0, "1/(a ln 10)", |a, r| mul(
    &recip(a),
    &k::<A>(std::f64::consts::LOG10_E)
));
unary_rules!(sqrt, sqrt_jvp0, sqrt_vjp0, "1/(2 r)", |a, r| r
    .map_ew(|t| (t * k::<A>(2.0)).recip()));
unary_rules!(cbrt, cbrt_jvp0, cbrt_vjp0, "1/(3 r^2)", |a, r| r
    .map_ew(|t| (t * t * k::<A>(3.0)).recip()));
unary_rules!(sin, sin_jvp0, sin_vjp0, "cos(a)", |a, r| cos(a));
unary_rules!(cos, cos_jvp0, cos_vjp0, "-sin(a)", |a, r| neg(&sin(a)));
unary_rules!(tan, tan_jvp0, tan_vjp0, "(1 + r^2)", |a, r| r
    .map_ew(|t| t * t + k::<A>(1.0)));
unary_rules!(asin, asin_jvp0, asin_vjp0, "1/sqrt(1 - a^2)", |a, r| a
    .v()
    .map_ew(|x| (-(x * x - k::<A>(1.0))).sqrt().recip()));
unary_rules!(acos, acos_jvp0, acos_vjp0, "-1/sqrt(1 - a^2)", |a, r| a
    .v()
    .map_ew(|x| -(-(x * x - k::<A>(1.0))).sqrt().recip()));
unary_rules!(atan, atan_jvp0, atan_vjp0, "1/(1 + a^2)", |a, r| a
    .v()
    .map_ew(|x| (x * x + k::<A>(1.0)).recip()));
unary_rules!(sinh, sinh_jvp0, sinh_vjp0, "cosh(a)", |a, r| cosh(a));
unary_rules!(cosh, cosh_jvp0, cosh_vjp0, "sinh(a)", |a, r| sinh(a));

/// Tangent of `tanh`: `d * (1 - r^2)`, one pass over `r` and `d` (no array of the
/// factor in between).
#[inline]
#[track_caller]
pub fn tanh_jvp0<A, R, T>(_a: &A, r: &R, d: &T) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    R: Val<V = EwOut<A>> + ?Sized,
    T: Val + ?Sized,
    EwOut<A>: ZipWith<T::V, Out = EwOut<A>>,
{
    let one = k::<A>(1.0);
    r.v().zip_ew(d.v(), "tanh_jvp0", |t, d| -(t * t - one) * d)
}

/// Adjoint of `tanh`: `g * (1 - r^2)`, one pass over `r` and `g`.
#[inline]
#[track_caller]
pub fn tanh_vjp0<A, R, G>(_a: &A, r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    R: Val<V = EwOut<A>> + ?Sized,
    G: Val + ?Sized,
    EwOut<A>: ZipWith<G::V, Out = EwOut<A>>,
{
    let one = k::<A>(1.0);
    r.v().zip_ew(g.v(), "tanh_vjp0", |t, g| -(t * t - one) * g)
}
unary_rules!(abs, abs_jvp0, abs_vjp0, "sign(a)", |a, r| sign(a));
unary_rules!(recip, recip_jvp0, recip_vjp0, "(-r^2)", |a, r| r
    .map_ew(|t| -(t * t)));
/// Tangent of `identity`: `d` (copied).
#[inline]
pub fn identity_jvp0<A: ?Sized, R: ?Sized, T>(_a: &A, _r: &R, d: &T) -> EwOut<T>
where
    T: Val + ?Sized,
    T::V: Elementwise,
{
    identity(d)
}

/// Adjoint of `identity`: `g` (copied).
#[inline]
pub fn identity_vjp0<A: ?Sized, R: ?Sized, G>(_a: &A, _r: &R, g: &G) -> EwOut<G>
where
    G: Val + ?Sized,
    G::V: Elementwise,
{
    identity(g)
}

/// Generates zero rules for a piecewise-constant unary op.
macro_rules! zero_rules {
    ($name:ident, $jvp:ident, $vjp:ident) => {
        #[doc = concat!("Tangent of `", stringify!($name), "`: zero (piecewise constant).")]
        #[inline]
        pub fn $jvp<A, R: ?Sized, T: ?Sized>(a: &A, _r: &R, _d: &T) -> EwOut<A>
        where
            A: Val + ?Sized,
            A::V: Elementwise,
        {
            zeros_like(a)
        }

        #[doc = concat!("Adjoint of `", stringify!($name), "`: zero (piecewise constant).")]
        #[inline]
        pub fn $vjp<A, R: ?Sized, G: ?Sized>(a: &A, _r: &R, _g: &G) -> EwOut<A>
        where
            A: Val + ?Sized,
            A::V: Elementwise,
        {
            zeros_like(a)
        }
    };
}

zero_rules!(sign, sign_jvp0, sign_vjp0);
zero_rules!(step, step_jvp0, step_vjp0);
zero_rules!(zeros_like, zeros_like_jvp0, zeros_like_vjp0);

/// Tangent of `powi(a, n)`: `d * n * a^(n-1)` (exactly zero for `n = 0`).
#[inline]
pub fn powi_jvp0<A, R: ?Sized, T>(a: &A, n: i32, _r: &R, d: &T) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    mul(&powi_factor(a, n), d)
}

/// Adjoint of `powi(a, n)`: `g * n * a^(n-1)` (exactly zero for `n = 0`).
#[inline]
pub fn powi_vjp0<A, R: ?Sized, G>(a: &A, n: i32, _r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    G: Val + ?Sized,
    EwOut<A>: Arith<G::V, Output = EwOut<A>>,
{
    mul(&powi_factor(a, n), g)
}

/// `n * a^(n-1)`, or zeros for `n = 0` (avoids `0 * inf` at `a = 0`).
#[inline]
fn powi_factor<A>(a: &A, n: i32) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    if n == 0 {
        zeros_like(a)
    } else {
        mul(&powi(a, n.saturating_sub(1)), &k::<A>(f64::from(n)))
    }
}

// ---------------------------------------------------------------------------------------
// Binary ops (broadcasting)
// ---------------------------------------------------------------------------------------

macro_rules! binary_primal {
    ($name:ident, $f:expr, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        #[track_caller]
        pub fn $name<A, B>(a: &A, b: &B) -> ZipOut<A, B>
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            A::V: ZipWith<B::V>,
        {
            a.v().zip_ew(b.v(), stringify!($name), $f)
        }
    };
}

binary_primal!(
    powf,
    |x, y| x.powf(y),
    "`a^b` elementwise with broadcasting."
);
binary_primal!(
    max,
    |x, y| x.max(y),
    "Elementwise maximum with broadcasting (ties: derivative to `a`)."
);
binary_primal!(
    min,
    |x, y| x.min(y),
    "Elementwise minimum with broadcasting (ties: derivative to `a`)."
);
binary_primal!(
    hypot,
    |x, y| x.hypot(y),
    "`sqrt(a^2 + b^2)` elementwise with broadcasting, without overflow."
);
binary_primal!(
    atan2,
    |x, y| x.atan2(y),
    "Four-quadrant `atan(a / b)` (`a` is y, `b` is x) with broadcasting."
);

/// One, of the scalar type of the owned value type `V`.
#[inline]
fn one<V: EwOwned>() -> V::Elem {
    cst(1.0)
}

/// Generates the four rules of a broadcasting binary op from its two partial
/// derivatives, written with `$a`, `$b` (both arguments broadcast to the result's shape)
/// and `$r` (the result), all `&R::V`.
macro_rules! binary_rules {
    (
        $name:ident, $jvp0:ident, $jvp1:ident, $vjp0:ident, $vjp1:ident,
        $doc0:literal, $doc1:literal,
        |$a:ident, $b:ident, $r:ident| d0 = $d0:expr, d1 = $d1:expr
    ) => {
        mod $name {
            use super::*;
            /// The partial derivative wrt `a`, from the broadcast arguments and the result.
            #[inline]
            #[allow(unused_variables)]
            pub(super) fn d0<V: EwOwned>($a: &V, $b: &V, $r: &V) -> V {
                $d0
            }
            /// The partial derivative wrt `b`, from the broadcast arguments and the result.
            #[inline]
            #[allow(unused_variables)]
            pub(super) fn d1<V: EwOwned>($a: &V, $b: &V, $r: &V) -> V {
                $d1
            }
        }

        #[doc = concat!("Tangent of `", stringify!($name), "` wrt `a`: `da * ", $doc0, "`.")]
        #[inline]
        #[track_caller]
        pub fn $jvp0<A, B, R, T>(a: &A, b: &B, r: &R, da: &T) -> R::V
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            R: Val + ?Sized,
            T: Val + ?Sized,
            R::V: EwOwned,
            A::V: BroadcastTo<R::V, Out = R::V>,
            B::V: BroadcastTo<R::V, Out = R::V>,
            R::V: Arith<T::V, Output = R::V>,
        {
            mul(&$name::d0(&broadcast_to(a, r), &broadcast_to(b, r), r.v()), da)
        }

        #[doc = concat!("Tangent of `", stringify!($name), "` wrt `b`: `db * ", $doc1, "`.")]
        #[inline]
        #[track_caller]
        pub fn $jvp1<A, B, R, T>(a: &A, b: &B, r: &R, db: &T) -> R::V
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            R: Val + ?Sized,
            T: Val + ?Sized,
            R::V: EwOwned,
            A::V: BroadcastTo<R::V, Out = R::V>,
            B::V: BroadcastTo<R::V, Out = R::V>,
            R::V: Arith<T::V, Output = R::V>,
        {
            mul(&$name::d1(&broadcast_to(a, r), &broadcast_to(b, r), r.v()), db)
        }

        #[doc = concat!("Adjoint of `", stringify!($name), "` wrt `a`: `g * ", $doc0, "` summed to the shape of `a`.")]
        #[inline]
        #[track_caller]
        pub fn $vjp0<A, B, R, G>(a: &A, b: &B, r: &R, g: &G) -> <R::V as SumTo<A::V>>::Out
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            R: Val + ?Sized,
            G: Val + ?Sized,
            R::V: EwOwned + SumTo<A::V>,
            A::V: BroadcastTo<R::V, Out = R::V>,
            B::V: BroadcastTo<R::V, Out = R::V>,
            R::V: Arith<G::V, Output = R::V>,
        {
            sum_to(&mul(&$name::d0(&broadcast_to(a, r), &broadcast_to(b, r), r.v()), g), a)
        }

        #[doc = concat!("Adjoint of `", stringify!($name), "` wrt `b`: `g * ", $doc1, "` summed to the shape of `b`.")]
        #[inline]
        #[track_caller]
        pub fn $vjp1<A, B, R, G>(a: &A, b: &B, r: &R, g: &G) -> <R::V as SumTo<B::V>>::Out
        where
            A: Val + ?Sized,
            B: Val + ?Sized,
            R: Val + ?Sized,
            G: Val + ?Sized,
            R::V: EwOwned + SumTo<B::V>,
            A::V: BroadcastTo<R::V, Out = R::V>,
            B::V: BroadcastTo<R::V, Out = R::V>,
            R::V: Arith<G::V, Output = R::V>,
        {
            sum_to(&mul(&$name::d1(&broadcast_to(a, r), &broadcast_to(b, r), r.v()), g), b)
        }
    };
}

binary_rules!(
    powf,
    powf_jvp0,
    powf_jvp1,
    powf_vjp0,
    powf_vjp1,
    "b a^(b-1)",
    "r ln(a)",
    |a, b, r| d0 = mul(b, &powf(a, &sub(b, &one::<V>()))),
    d1 = mul(r, &ln(a))
);
binary_rules!(
    max,
    max_jvp0,
    max_jvp1,
    max_vjp0,
    max_vjp1,
    "(1 - step(b - a))",
    "step(b - a)",
    |a, b, r| d0 = neg(&sub(&step(&sub(b, a)), &one::<V>())),
    d1 = step(&sub(b, a))
);
binary_rules!(
    min,
    min_jvp0,
    min_jvp1,
    min_vjp0,
    min_vjp1,
    "(1 - step(a - b))",
    "step(a - b)",
    |a, b, r| d0 = neg(&sub(&step(&sub(a, b)), &one::<V>())),
    d1 = step(&sub(a, b))
);
binary_rules!(
    hypot,
    hypot_jvp0,
    hypot_jvp1,
    hypot_vjp0,
    hypot_vjp1,
    "a / r",
    "b / r",
    |a, b, r| d0 = div(a, r),
    d1 = div(b, r)
);
binary_rules!(
    atan2,
    atan2_jvp0,
    atan2_jvp1,
    atan2_vjp0,
    atan2_vjp1,
    "b / (a^2 + b^2)",
    "(-a / (a^2 + b^2))",
    |a, b, r| d0 = div(b, &add(&powi(a, 2), &powi(b, 2))),
    d1 = neg(&div(a, &add(&powi(a, 2), &powi(b, 2))))
);

// ---------------------------------------------------------------------------------------
// mul_add (ternary, broadcasting)
// ---------------------------------------------------------------------------------------

/// `a * b + c` elementwise with broadcasting (two roundings, not a fused multiply-add).
#[inline]
#[track_caller]
pub fn mul_add<A, B, C>(a: &A, b: &B, c: &C) -> <ZipOut<A, B> as ZipWith<C::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    C: Val + ?Sized,
    A::V: ZipWith<B::V>,
    ZipOut<A, B>: ZipWith<C::V>,
{
    a.v()
        .zip_ew(b.v(), "mul_add", |x, y| x * y)
        .zip_ew(c.v(), "mul_add", |p, z| p + z)
}

/// Tangent of `mul_add` wrt `a`: `da * b` over the result's shape.
#[inline]
#[track_caller]
pub fn mul_add_jvp0<A: ?Sized, B, C: ?Sized, R, T>(_a: &A, b: &B, _c: &C, r: &R, da: &T) -> R::V
where
    B: Val + ?Sized,
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: EwOwned + Arith<T::V, Output = R::V>,
    B::V: BroadcastTo<R::V, Out = R::V>,
{
    mul(&broadcast_to(b, r), da)
}

/// Tangent of `mul_add` wrt `b`: `a * db` over the result's shape.
#[inline]
#[track_caller]
pub fn mul_add_jvp1<A, B: ?Sized, C: ?Sized, R, T>(a: &A, _b: &B, _c: &C, r: &R, db: &T) -> R::V
where
    A: Val + ?Sized,
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: EwOwned + Arith<T::V, Output = R::V>,
    A::V: BroadcastTo<R::V, Out = R::V>,
{
    mul(&broadcast_to(a, r), db)
}

/// Tangent of `mul_add` wrt `c`: `dc` spread over the result's shape.
#[inline]
#[track_caller]
pub fn mul_add_jvp2<A: ?Sized, B: ?Sized, C: ?Sized, R, T>(
    _a: &A,
    _b: &B,
    _c: &C,
    r: &R,
    dc: &T,
) -> R::V
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: EwOwned,
    T::V: BroadcastTo<R::V, Out = R::V>,
{
    broadcast_to(dc, r)
}

/// Adjoint of `mul_add` wrt `a`: `g * b` summed to the shape of `a`.
#[inline]
#[track_caller]
pub fn mul_add_vjp0<A, B, C: ?Sized, R, G>(
    a: &A,
    b: &B,
    _c: &C,
    r: &R,
    g: &G,
) -> <R::V as SumTo<A::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    R: Val + ?Sized,
    G: Val + ?Sized,
    R::V: EwOwned + Arith<G::V, Output = R::V> + SumTo<A::V>,
    B::V: BroadcastTo<R::V, Out = R::V>,
{
    sum_to(&mul(&broadcast_to(b, r), g), a)
}

/// Adjoint of `mul_add` wrt `b`: `g * a` summed to the shape of `b`.
#[inline]
#[track_caller]
pub fn mul_add_vjp1<A, B, C: ?Sized, R, G>(
    a: &A,
    b: &B,
    _c: &C,
    r: &R,
    g: &G,
) -> <R::V as SumTo<B::V>>::Out
where
    A: Val + ?Sized,
    B: Val + ?Sized,
    R: Val + ?Sized,
    G: Val + ?Sized,
    R::V: EwOwned + Arith<G::V, Output = R::V> + SumTo<B::V>,
    A::V: BroadcastTo<R::V, Out = R::V>,
{
    sum_to(&mul(&broadcast_to(a, r), g), b)
}

/// Adjoint of `mul_add` wrt `c`: `g` summed to the shape of `c`.
#[inline]
#[track_caller]
pub fn mul_add_vjp2<A: ?Sized, B: ?Sized, C, R: ?Sized, G>(
    _a: &A,
    _b: &B,
    c: &C,
    _r: &R,
    g: &G,
) -> <G::V as SumTo<C::V>>::Out
where
    C: Val + ?Sized,
    G: Val + ?Sized,
    G::V: SumTo<C::V>,
{
    sum_to(g, c)
}
