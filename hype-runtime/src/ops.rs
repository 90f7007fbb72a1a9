//! Differentiable functions of machine learning (`hype::ops`).
//!
//! Each op is a primitive in the sense of [`crate::rt`]: the primal `op(a, .., s..)` is a
//! plain function that can be called anywhere (also outside differentiated code), and
//! `op_jvp{k}` / `op_vjp{k}` are its tangent and adjoint rules, written with primitives
//! that have rules themselves so that they can be differentiated again.
//!
//! * Elementwise (on `f64` and arrays of any dimension): [`sigmoid`], [`relu`],
//!   [`softplus`], [`elu`] (static `alpha`), [`gelu`] (tanh approximation),
//!   [`stop_gradient`].
//! * Along the last axis (1-d: the whole vector; 2-d: each row, rows are examples):
//!   [`softmax`], [`log_softmax`], [`logsumexp`] (one value per row), and the losses
//!   [`cross_entropy_on_linear`] (mean over rows).
//! * Losses to a scalar: [`cross_entropy_on_softmax`] (mean over rows, all but the last
//!   axis), [`mse`] (mean over all elements), [`l1`], [`l2`] (sums).
//! * Helpers with rules used by the above: [`sum_all`], [`sum_last`], [`expand_last`].
//!
//! Targets of the losses are ordinary value arguments with rules (`*_jvp1`, `*_vjp1`):
//! soft labels can be differentiated too; for one-hot data the macro's activity
//! analysis never calls those rules.
//!
//! Kinks: `relu'(0) = 0`; `elu'(0) = alpha` (the left derivative); `l1` uses
//! `sign(0) = 0`.

use crate::float::cst;
use crate::kernels::Kernel;
use crate::rt::k;
use crate::rt::{
    add, broadcast_to, check_same_shape, identity, mul, neg, powi, sign, step, sub, zeros_like,
    Arith, BroadcastTo, Elementwise, EwElem, EwOut, EwOwned, Val, ZipOut, ZipWith,
};
use crate::Float;
use ndarray::{Array1, Array2, ArrayBase, ArrayView1, ArrayViewMut1, Axis, Data, Ix1, Ix2};
#[allow(unused_imports)]
use num_traits::Float as _;

// ---------------------------------------------------------------------------------------
// Elementwise activations
// ---------------------------------------------------------------------------------------

/// Logistic sigmoid `1 / (1 + e^-x)` elementwise, stable for large `|x|`.
#[inline]
pub fn sigmoid<A>(a: &A) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    a.v().map_kernel(Kernel::Sigmoid, sigmoid_s)
}

/// Stable scalar sigmoid.
#[inline]
fn sigmoid_s<F: Float>(x: F) -> F {
    if x >= F::zero() {
        (F::one() + (-x).exp()).recip()
    } else {
        let e = x.exp();
        e / (F::one() + e)
    }
}

crate::rt::unary_rules!(sigmoid, sigmoid_jvp0, sigmoid_vjp0, "r (1 - r)", |a, r| r
    .map_ew(|s| s * (k::<A>(1.0) - s)));

/// `(1 - r²) d` elementwise: the tangent of `tanh` from its result `r` and the tangent
/// `d` of its argument, in one pass. Second-order code (`f__dir`) calls it where first
/// order would call `tanh_jvp0`; its own rules keep reverse mode over that code at a
/// few passes per layer.
#[inline]
pub fn tanh_tangent<R, T>(r: &R, d: &T) -> ZipOut<R, T>
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: ZipWith<T::V>,
{
    let one = k::<R>(1.0);
    r.v()
        .zip_ew(d.v(), "tanh_tangent", |r, d| (one - r * r) * d)
}

/// `-2 r d` elementwise, the partial derivative of `tanh_tangent` in `r`.
#[inline]
#[track_caller]
fn tanh_tangent_partial_r<R, T>(r: &R, d: &T) -> ZipOut<R, T>
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    R::V: ZipWith<T::V> + Elementwise,
    T::V: Elementwise,
{
    check_same_shape("tanh_tangent", r.v().shape_ew(), d.v().shape_ew());
    let m2 = k::<R>(-2.0);
    r.v().zip_ew(d.v(), "tanh_tangent", |r, d| m2 * r * d)
}

/// Tangent of `tanh_tangent` wrt `r`: `-2 r d dr`.
#[inline]
#[track_caller]
pub fn tanh_tangent_jvp0<R, T, O: ?Sized, U>(r: &R, d: &T, _out: &O, dr: &U) -> ZipOut<R, T>
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    U: Val + ?Sized,
    R::V: ZipWith<T::V> + Elementwise,
    T::V: Elementwise,
    ZipOut<R, T>: Arith<U::V, Output = ZipOut<R, T>>,
{
    mul(&tanh_tangent_partial_r(r, d), dr)
}

/// Tangent of `tanh_tangent` wrt `d`: `(1 - r²) dd`.
#[inline]
pub fn tanh_tangent_jvp1<R, T, O: ?Sized, U>(r: &R, _d: &T, _out: &O, dd: &U) -> ZipOut<R, U>
where
    R: Val + ?Sized,
    T: ?Sized,
    U: Val + ?Sized,
    R::V: ZipWith<U::V>,
{
    tanh_tangent(r, dd)
}

/// Adjoint of `tanh_tangent` wrt `r`: `-2 r d g` (`r`, `d` and `g` share one shape,
/// so the adjoint is the tangent rule applied to `g`).
#[inline]
#[track_caller]
pub fn tanh_tangent_vjp0<R, T, O: ?Sized, G>(r: &R, d: &T, out: &O, g: &G) -> ZipOut<R, T>
where
    R: Val + ?Sized,
    T: Val + ?Sized,
    G: Val + ?Sized,
    R::V: ZipWith<T::V> + Elementwise,
    T::V: Elementwise,
    ZipOut<R, T>: Arith<G::V, Output = ZipOut<R, T>>,
{
    tanh_tangent_jvp0(r, d, out, g)
}

/// Adjoint of `tanh_tangent` wrt `d`: `(1 - r²) g`.
#[inline]
pub fn tanh_tangent_vjp1<R, T, O: ?Sized, G>(r: &R, _d: &T, _out: &O, g: &G) -> ZipOut<R, G>
where
    R: Val + ?Sized,
    T: ?Sized,
    G: Val + ?Sized,
    R::V: ZipWith<G::V>,
{
    tanh_tangent(r, g)
}

/// Rectified linear unit `max(x, 0)` elementwise (derivative 0 at 0; NaN stays NaN).
#[inline]
pub fn relu<A>(a: &A) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    let zero = k::<A>(0.0);
    a.v()
        .map_ew(|x| if x > zero || x.is_nan() { x } else { zero })
}

crate::rt::unary_rules!(relu, relu_jvp0, relu_vjp0, "step(a)", |a, r| step(a));

/// Softplus `ln(1 + e^x)` elementwise, stable for large `|x|`.
#[inline]
pub fn softplus<A>(a: &A) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    a.v().map_kernel(Kernel::Softplus, softplus_s)
}

/// Stable scalar softplus.
#[inline]
fn softplus_s<F: Float>(x: F) -> F {
    x.max(F::zero()) + (-x.abs()).exp().ln_1p()
}

crate::rt::unary_rules!(
    softplus,
    softplus_jvp0,
    softplus_vjp0,
    "sigmoid(a)",
    |a, r| sigmoid(a)
);

/// Exponential linear unit: `x` for `x > 0`, `alpha (e^x - 1)` otherwise (`alpha` static).
#[inline]
pub fn elu<A>(a: &A, alpha: EwElem<A>) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    a.v().map_ew(|x| {
        if x > k::<A>(0.0) {
            x
        } else {
            alpha * x.exp_m1()
        }
    })
}

/// The derivative of `elu`: `step(a) + (1 - step(a)) (r + alpha)` (`alpha` at 0).
#[inline]
fn elu_factor<A>(a: &A, alpha: EwElem<A>, r: &EwOut<A>) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    let s = step(a);
    add(&s, &mul(&neg(&sub(&s, &k::<A>(1.0))), &add(r, &alpha)))
}

/// Tangent of `elu`: `d * (1 if a > 0 else alpha e^a)`.
#[inline]
pub fn elu_jvp0<A, R, T>(a: &A, alpha: EwElem<A>, r: &R, d: &T) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    R: Val<V = EwOut<A>> + ?Sized,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    mul(&elu_factor(a, alpha, r.v()), d)
}

/// Adjoint of `elu`: `g * (1 if a > 0 else alpha e^a)`.
#[inline]
pub fn elu_vjp0<A, R, G>(a: &A, alpha: EwElem<A>, r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    R: Val<V = EwOut<A>> + ?Sized,
    G: Val + ?Sized,
    EwOut<A>: Arith<G::V, Output = EwOut<A>>,
{
    mul(&elu_factor(a, alpha, r.v()), g)
}

/// `sqrt(2 / pi)`.
pub(crate) const GELU_C: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh approximation of GELU.
pub(crate) const GELU_K: f64 = 0.044_715;

/// GELU, tanh approximation: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
#[inline]
pub fn gelu<A>(a: &A) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    a.v().map_kernel(Kernel::Gelu, gelu_s)
}

/// Scalar GELU (tanh approximation).
#[inline]
fn gelu_s<F: Float>(x: F) -> F {
    let (half, c, k) = (cst::<F>(0.5), cst::<F>(GELU_C), cst::<F>(GELU_K));
    half * x * (F::one() + (c * (x + k * x * x * x)).tanh())
}

/// The derivative of `gelu`: `0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2)`.
#[inline]
fn gelu_factor<A>(a: &A) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    let x = identity(a);
    let (c, kk) = (k::<A>(GELU_C), k::<A>(GELU_K));
    let (one, half) = (k::<A>(1.0), k::<A>(0.5));
    let t = tanh(&mul(&add(&x, &mul(&powi(&x, 3), &kk)), &c));
    let left = mul(&add(&t, &one), &half);
    let du = mul(&add(&mul(&powi(&x, 2), &k::<A>(3.0 * GELU_K)), &one), &c);
    let right = mul(&mul(&mul(&x, &half), &neg(&sub(&powi(&t, 2), &one))), &du);
    add(&left, &right)
}

crate::rt::unary_rules!(gelu, gelu_jvp0, gelu_vjp0, "gelu'(a)", |a, r| gelu_factor(
    a
));

/// The value of `x` treated as a constant: an owned copy whose derivatives are zero.
#[inline]
pub fn stop_gradient<A>(a: &A) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    identity(a)
}

/// Tangent of `stop_gradient`: zero.
#[inline]
pub fn stop_gradient_jvp0<A, R: ?Sized, T: ?Sized>(a: &A, _r: &R, _d: &T) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    zeros_like(a)
}

/// Adjoint of `stop_gradient`: zero.
#[inline]
pub fn stop_gradient_vjp0<A, R: ?Sized, G: ?Sized>(a: &A, _r: &R, _g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    zeros_like(a)
}

// ---------------------------------------------------------------------------------------
// Reductions used by the rules
// ---------------------------------------------------------------------------------------

/// The sum of all elements of `a` (`a` itself for `f64`).
#[inline]
pub fn sum_all<A>(a: &A) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    a.v().sum_ew()
}

/// Tangent of `sum_all`: `sum_all(d)`.
#[inline]
pub fn sum_all_jvp0<A: ?Sized, R: ?Sized, T>(_a: &A, _r: &R, d: &T) -> EwElem<T>
where
    T: Val + ?Sized,
    T::V: Elementwise,
{
    sum_all(d)
}

/// Adjoint of `sum_all`: `g` spread over the shape of `a`.
#[inline]
pub fn sum_all_vjp0<A, R: ?Sized, G>(a: &A, _r: &R, g: &G) -> <G::V as BroadcastTo<A::V>>::Out
where
    A: Val + ?Sized,
    G: Val + ?Sized,
    G::V: BroadcastTo<A::V>,
{
    broadcast_to(g, a)
}

/// Arrays with a last axis that row-wise ops reduce over: 1-d (one row) and 2-d
/// (rows are examples).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a 1-d or 2-d array of f64 or f32",
    note = "softmax, log_softmax, logsumexp and cross_entropy_on_linear work on 1-d arrays (one example) and 2-d arrays (one example per row)"
)]
pub trait LastAxis: Elementwise {
    /// The owned array of the same dimension.
    type Rows: EwOwned<Elem = Self::Elem> + LastAxis<Rows = Self::Rows, Red = Self::Red>;
    /// The type with the last axis removed (the scalar for 1-d, `Array1` for 2-d).
    type Red: EwOwned<Elem = Self::Elem> + ExpandLast<Out = Self::Rows>;
    /// Applies `f(row, out_row)` to every row, writing an owned result of the same shape.
    fn map_rows<M: FnMut(ArrayView1<Self::Elem>, ArrayViewMut1<Self::Elem>)>(
        &self,
        f: M,
    ) -> Self::Rows;
    /// Reduces every row with `f`.
    fn reduce_rows<M: FnMut(ArrayView1<Self::Elem>) -> Self::Elem>(&self, f: M) -> Self::Red;
    /// The length of the last axis.
    fn last_len(&self) -> usize;
    /// The number of rows (1 for 1-d).
    fn n_rows(&self) -> usize;
    /// The shape.
    fn shape_rows(&self) -> &[usize];
}

impl<F: Float, S: Data<Elem = F>> LastAxis for ArrayBase<S, Ix1> {
    type Rows = Array1<F>;
    type Red = F;
    fn map_rows<M: FnMut(ArrayView1<F>, ArrayViewMut1<F>)>(&self, mut f: M) -> Array1<F> {
        let mut out = Array1::zeros(self.len());
        f(self.view(), out.view_mut());
        out
    }
    fn reduce_rows<M: FnMut(ArrayView1<F>) -> F>(&self, mut f: M) -> F {
        f(self.view())
    }
    fn last_len(&self) -> usize {
        self.len()
    }
    fn n_rows(&self) -> usize {
        1
    }
    fn shape_rows(&self) -> &[usize] {
        self.shape()
    }
}

impl<F: Float, S: Data<Elem = F>> LastAxis for ArrayBase<S, Ix2> {
    type Rows = Array2<F>;
    type Red = Array1<F>;
    fn map_rows<M: FnMut(ArrayView1<F>, ArrayViewMut1<F>)>(&self, mut f: M) -> Array2<F> {
        let mut out = Array2::zeros(self.raw_dim());
        for (row, out_row) in self.outer_iter().zip(out.outer_iter_mut()) {
            f(row, out_row);
        }
        out
    }
    fn reduce_rows<M: FnMut(ArrayView1<F>) -> F>(&self, f: M) -> Array1<F> {
        self.outer_iter().map(f).collect()
    }
    fn last_len(&self) -> usize {
        self.ncols()
    }
    fn n_rows(&self) -> usize {
        self.nrows()
    }
    fn shape_rows(&self) -> &[usize] {
        self.shape()
    }
}

/// The inverse shape change of [`sum_last`]: repeats each element along a new last axis.
pub trait ExpandLast {
    /// The owned result, with one more axis.
    type Out;
    /// Repeats every element `n` times along a new last axis.
    fn expand_last_ax(&self, n: usize) -> Self::Out;
}

impl<F: Float> ExpandLast for F {
    type Out = Array1<F>;
    fn expand_last_ax(&self, n: usize) -> Array1<F> {
        Array1::from_elem(n, *self)
    }
}

impl<F: Float, S: Data<Elem = F>> ExpandLast for ArrayBase<S, Ix1> {
    type Out = Array2<F>;
    fn expand_last_ax(&self, n: usize) -> Array2<F> {
        let col = self.view().insert_axis(Axis(1));
        match col.broadcast((self.len(), n)) {
            Some(v) => v.to_owned(),
            None => crate::rt::shape_panic("expand_last", self.shape(), &[self.len(), n]),
        }
    }
}

/// The owned array type of a row-wise op on `A`.
pub type RowsOf<A> = <<A as Val>::V as LastAxis>::Rows;
/// The type of `A` with its last axis summed away.
pub type RedOf<A> = <<A as Val>::V as LastAxis>::Red;

/// The length of the last axis of `a` (a constant: no rules).
#[inline]
pub fn last_len<A>(a: &A) -> usize
where
    A: Val + ?Sized,
    A::V: LastAxis,
{
    a.v().last_len()
}

/// Sums over the last axis: a 1-d array to `f64`, a 2-d array to one value per row.
#[inline]
pub fn sum_last<A>(a: &A) -> RedOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
{
    a.v().reduce_rows(|row| row.sum())
}

/// Tangent of `sum_last`: `sum_last(d)`.
#[inline]
pub fn sum_last_jvp0<A: ?Sized, R: ?Sized, T>(_a: &A, _r: &R, d: &T) -> RedOf<T>
where
    T: Val + ?Sized,
    T::V: LastAxis,
{
    sum_last(d)
}

/// Adjoint of `sum_last`: `g` repeated along the last axis of `a`.
#[inline]
pub fn sum_last_vjp0<A, R: ?Sized, G>(a: &A, _r: &R, g: &G) -> <G::V as ExpandLast>::Out
where
    A: Val + ?Sized,
    A::V: LastAxis,
    G: Val + ?Sized,
    G::V: ExpandLast,
{
    expand_last(g, last_len(a))
}

/// Repeats every element of `a` `n` times along a new last axis (`n` static).
#[inline]
pub fn expand_last<A>(a: &A, n: usize) -> <A::V as ExpandLast>::Out
where
    A: Val + ?Sized,
    A::V: ExpandLast,
{
    a.v().expand_last_ax(n)
}

/// Tangent of `expand_last`: `expand_last(d, n)`.
#[inline]
pub fn expand_last_jvp0<A: ?Sized, R: ?Sized, T>(
    _a: &A,
    n: usize,
    _r: &R,
    d: &T,
) -> <T::V as ExpandLast>::Out
where
    T: Val + ?Sized,
    T::V: ExpandLast,
{
    expand_last(d, n)
}

/// Adjoint of `expand_last`: `sum_last(g)`.
#[inline]
pub fn expand_last_vjp0<A: ?Sized, R: ?Sized, G>(_a: &A, _n: usize, _r: &R, g: &G) -> RedOf<G>
where
    G: Val + ?Sized,
    G::V: LastAxis,
{
    sum_last(g)
}

// ---------------------------------------------------------------------------------------
// softmax, log_softmax, logsumexp (along the last axis)
// ---------------------------------------------------------------------------------------

/// `max + ln(sum(exp(x - max)))` of one row; `-inf` for an empty or all `-inf` row.
fn lse_row<F: Float>(row: ArrayView1<F>) -> F {
    let m = row.fold(F::neg_infinity(), |m, &x| m.max(x));
    if m.is_infinite() {
        // all -inf (or empty): -inf; some +inf: +inf; a NaN anywhere: NaN
        return if row.iter().any(|x| x.is_nan()) {
            F::nan()
        } else {
            m
        };
    }
    m + row.fold(F::zero(), |s, &x| s + (x - m).exp()).ln()
}

/// `ln(sum(exp(x)))` over the last axis, computed stably (the maximum is subtracted).
/// 1-d gives `f64`, 2-d gives one value per row.
#[inline]
pub fn logsumexp<A>(a: &A) -> RedOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
{
    a.v().reduce_rows(lse_row)
}

/// Tangent of `logsumexp`: `sum_last(softmax(a) * d)`.
#[inline]
pub fn logsumexp_jvp0<A, R: ?Sized, T>(a: &A, _r: &R, d: &T) -> RedOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
    T: Val + ?Sized,
    RowsOf<A>: Arith<T::V, Output = RowsOf<A>>,
{
    sum_last(&mul(&softmax(a), d))
}

/// Adjoint of `logsumexp`: `softmax(a) * expand_last(g)`.
#[inline]
pub fn logsumexp_vjp0<A, R: ?Sized, G>(a: &A, _r: &R, g: &G) -> RowsOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
    G: Val + ?Sized,
    G::V: ExpandLast<Out = RowsOf<A>>,
{
    mul(&softmax(a), &expand_last(g, last_len(a)))
}

/// Softmax over the last axis (each row of a 2-d array), computed stably.
#[inline]
pub fn softmax<A>(a: &A) -> RowsOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
{
    a.v().map_rows(|row, mut out| {
        let l = lse_row(row);
        out.zip_mut_with(&row, |o, &x| *o = (x - l).exp());
    })
}

/// `r * u - r * expand_last(sum_last(r * u))` given `ru = r * u`: the softmax Jacobian
/// (symmetric) applied to `u`.
#[inline]
fn softmax_apply<V>(r: &V, ru: &V) -> V
where
    V: EwOwned + LastAxis<Rows = V>,
{
    sub(ru, &mul(r, &expand_last(&sum_last(ru), last_len(r))))
}

/// Tangent of `softmax`: `r * (d - sum_last(r * d))`.
#[inline]
pub fn softmax_jvp0<A: ?Sized, R, T>(_a: &A, r: &R, d: &T) -> R::V
where
    R: Val + ?Sized,
    R::V: EwOwned + LastAxis<Rows = R::V> + Arith<T::V, Output = R::V>,
    T: Val + ?Sized,
{
    softmax_apply(r.v(), &mul(r, d))
}

/// Adjoint of `softmax`: `r * (g - sum_last(r * g))`.
#[inline]
pub fn softmax_vjp0<A: ?Sized, R, G>(_a: &A, r: &R, g: &G) -> R::V
where
    R: Val + ?Sized,
    R::V: EwOwned + LastAxis<Rows = R::V> + Arith<G::V, Output = R::V>,
    G: Val + ?Sized,
{
    softmax_apply(r.v(), &mul(r, g))
}

/// `log(softmax(x))` over the last axis: `x - logsumexp(x)`, computed stably.
#[inline]
pub fn log_softmax<A>(a: &A) -> RowsOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
{
    a.v().map_rows(|row, mut out| {
        let l = lse_row(row);
        out.zip_mut_with(&row, |o, &x| *o = x - l);
    })
}

/// `expand_last(sum_last(exp(r) * u))` given `pu = exp(r) * u`.
#[inline]
fn log_softmax_row_term<V>(pu: &V) -> V
where
    V: EwOwned + LastAxis<Rows = V>,
{
    expand_last(&sum_last(pu), last_len(pu))
}

/// Tangent of `log_softmax`: `d - sum_last(exp(r) * d)`.
#[inline]
pub fn log_softmax_jvp0<A: ?Sized, R, T>(_a: &A, r: &R, d: &T) -> R::V
where
    R: Val + ?Sized,
    R::V: EwOwned + LastAxis<Rows = R::V> + Arith<T::V, Output = R::V>,
    T: Val + ?Sized,
{
    neg(&sub(&log_softmax_row_term(&mul(&exp(r), d)), d))
}

/// `exp(r) * expand_last(s)`: the softmax weights times per-row sums `s`.
#[inline]
fn softmax_times_rows<V>(r: &V, s: &<V as LastAxis>::Red) -> V
where
    V: EwOwned + LastAxis<Rows = V>,
{
    mul(&exp(r), &expand_last(s, last_len(r)))
}

/// Adjoint of `log_softmax`: `g - exp(r) * sum_last(g)`.
#[inline]
pub fn log_softmax_vjp0<A: ?Sized, R, G>(_a: &A, r: &R, g: &G) -> R::V
where
    R: Val + ?Sized,
    R::V: EwOwned + LastAxis<Rows = R::V> + Arith<G::V, Output = R::V>,
    G: Val + ?Sized,
    G::V: LastAxis<Red = <R::V as LastAxis>::Red>,
{
    neg(&sub(&softmax_times_rows(r.v(), &sum_last(g)), g))
}

// ---------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------

/// Cross-entropy of `targets` and the softmax of `logits` (rows are examples):
/// the mean over rows of `-sum(targets * log_softmax(logits))`.
#[inline]
#[track_caller]
pub fn cross_entropy_on_linear<A, B>(logits: &A, targets: &B) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
    B: Val + ?Sized,
    B::V: Elementwise,
    RowsOf<A>: Arith<B::V, Output = RowsOf<A>>,
{
    check_same_shape(
        "cross_entropy_on_linear",
        logits.v().shape_rows(),
        targets.v().shape_ew(),
    );
    let ls = log_softmax(logits);
    -sum_all(&mul(&ls, targets)) / k::<A>(logits.v().n_rows() as f64)
}

/// `-1 / rows` for a row-wise loss on `a`.
#[inline]
#[doc(hidden)]
pub fn neg_inv_rows<A>(a: &A) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
{
    k::<A>(-1.0 / a.v().n_rows() as f64)
}

/// Tangent of `cross_entropy_on_linear` wrt `logits`: `-sum(t * log_softmax_jvp(dz)) / rows`.
#[inline]
pub fn cross_entropy_on_linear_jvp0<A, B, R: ?Sized, T>(
    logits: &A,
    targets: &B,
    _r: &R,
    dz: &T,
) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
    B: Val + ?Sized,
    B::V: Arith<RowsOf<A>, Output = RowsOf<A>>,
    T: Val + ?Sized,
    RowsOf<A>: Arith<T::V, Output = RowsOf<A>>,
{
    let ls = log_softmax(logits);
    let q = log_softmax_jvp0(logits, &ls, dz);
    mul(&sum_all(&mul(targets, &q)), &neg_inv_rows(logits))
}

/// Tangent of `cross_entropy_on_linear` wrt `targets`: `-sum(dt * log_softmax(z)) / rows`.
#[inline]
pub fn cross_entropy_on_linear_jvp1<A, B: ?Sized, R: ?Sized, T>(
    logits: &A,
    _targets: &B,
    _r: &R,
    dt: &T,
) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
    T: Val + ?Sized,
    RowsOf<A>: Arith<T::V, Output = RowsOf<A>>,
{
    mul(
        &sum_all(&mul(&log_softmax(logits), dt)),
        &neg_inv_rows(logits),
    )
}

/// Adjoint of `cross_entropy_on_linear` wrt `logits`: `log_softmax_vjp(-g t / rows)`.
#[inline]
pub fn cross_entropy_on_linear_vjp0<A, B, R: ?Sized, G>(
    logits: &A,
    targets: &B,
    _r: &R,
    g: &G,
) -> RowsOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
    B: Val + ?Sized,
    B::V: Arith<EwElem<A>, Output = RowsOf<A>>,
    G: Val<V = EwElem<A>> + ?Sized,
{
    let ls = log_softmax(logits);
    let gt = mul(targets, &mul(g, &neg_inv_rows(logits)));
    log_softmax_vjp0(logits, &ls, &gt)
}

/// Adjoint of `cross_entropy_on_linear` wrt `targets`: `-g log_softmax(z) / rows`.
#[inline]
pub fn cross_entropy_on_linear_vjp1<A, B: ?Sized, R: ?Sized, G>(
    logits: &A,
    _targets: &B,
    _r: &R,
    g: &G,
) -> RowsOf<A>
where
    A: Val + ?Sized,
    A::V: LastAxis,
    G: Val<V = EwElem<A>> + ?Sized,
{
    mul(&log_softmax(logits), &mul(g, &neg_inv_rows(logits)))
}

/// The number of rows of a value of shape `shape`: all axes but the last (1 for 0-d, 1-d).
#[inline]
fn rows_of_shape(shape: &[usize]) -> usize {
    match shape.split_last() {
        Some((_, rest)) => rest.iter().product(),
        None => 1,
    }
}

/// `-1 / rows` for `cross_entropy_on_softmax` on `a`.
#[inline]
fn neg_inv_rows_ew<A>(a: &A) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    k::<A>(-1.0 / rows_of_shape(a.v().shape_ew()) as f64)
}

/// Cross-entropy of `targets` and probabilities `probs` (rows are examples): the mean
/// over rows (all axes but the last) of `-sum(targets * ln(probs))`; terms with a zero
/// target count as zero. The rules wrt `probs` need `probs > 0`.
#[inline]
#[track_caller]
pub fn cross_entropy_on_softmax<A, B>(probs: &A, targets: &B) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: ZipWithSame<B::V>,
    B: Val + ?Sized,
    B::V: Elementwise,
{
    let (p, t) = (probs.v(), targets.v());
    check_same_shape("cross_entropy_on_softmax", p.shape_ew(), t.shape_ew());
    let zero = k::<A>(0.0);
    let s = p.zip_same(t, |p, t| if t == zero { zero } else { t * p.ln() });
    -s / k::<A>(rows_of_shape(p.shape_ew()) as f64)
}

/// Sums `f(a[i], b[i])` over two values of the same shape (no broadcasting).
pub trait ZipWithSame<Rhs: ?Sized>: Elementwise {
    /// The sum of `f` over corresponding elements; shapes are checked by the caller.
    fn zip_same<M: FnMut(Self::Elem, Self::Elem) -> Self::Elem>(
        &self,
        rhs: &Rhs,
        f: M,
    ) -> Self::Elem;
}

impl<F: Float> ZipWithSame<F> for F {
    fn zip_same<M: FnMut(F, F) -> F>(&self, rhs: &F, mut f: M) -> F {
        f(*self, *rhs)
    }
}

impl<F, S1, S2, D> ZipWithSame<ArrayBase<S2, D>> for ArrayBase<S1, D>
where
    F: Float,
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    D: ndarray::Dimension,
{
    fn zip_same<M: FnMut(F, F) -> F>(&self, rhs: &ArrayBase<S2, D>, mut f: M) -> F {
        let mut s = F::zero();
        ndarray::Zip::from(self)
            .and(rhs)
            .for_each(|&a, &b| s += f(a, b));
        s
    }
}

/// Tangent of `cross_entropy_on_softmax` wrt `probs`: `-sum(t * dp / p) / rows`.
#[inline]
pub fn cross_entropy_on_softmax_jvp0<A, B, R: ?Sized, T>(
    probs: &A,
    targets: &B,
    _r: &R,
    dp: &T,
) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    B: Val + ?Sized,
    B::V: Arith<EwOut<A>, Output = EwOut<A>>,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    let w = mul(targets, &recip(probs));
    mul(&sum_all(&mul(&w, dp)), &neg_inv_rows_ew(probs))
}

/// Tangent of `cross_entropy_on_softmax` wrt `targets`: `-sum(dt * ln p) / rows`.
#[inline]
pub fn cross_entropy_on_softmax_jvp1<A, B: ?Sized, R: ?Sized, T>(
    probs: &A,
    _targets: &B,
    _r: &R,
    dt: &T,
) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    mul(&sum_all(&mul(&ln(probs), dt)), &neg_inv_rows_ew(probs))
}

/// Adjoint of `cross_entropy_on_softmax` wrt `probs`: `-g t / (p rows)`.
#[inline]
pub fn cross_entropy_on_softmax_vjp0<A, B, R: ?Sized, G>(
    probs: &A,
    targets: &B,
    _r: &R,
    g: &G,
) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    B: Val + ?Sized,
    B::V: Arith<EwOut<A>, Output = EwOut<A>>,
    G: Val<V = EwElem<A>> + ?Sized,
{
    mul(
        &mul(targets, &recip(probs)),
        &mul(g, &neg_inv_rows_ew(probs)),
    )
}

/// Adjoint of `cross_entropy_on_softmax` wrt `targets`: `-g ln(p) / rows`.
#[inline]
pub fn cross_entropy_on_softmax_vjp1<A, B: ?Sized, R: ?Sized, G>(
    probs: &A,
    _targets: &B,
    _r: &R,
    g: &G,
) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    G: Val<V = EwElem<A>> + ?Sized,
{
    mul(&ln(probs), &mul(g, &neg_inv_rows_ew(probs)))
}

/// Mean squared error: the mean over all elements of `(pred - target)^2` (same shapes).
#[inline]
#[track_caller]
pub fn mse<A, B>(pred: &A, target: &B) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: ZipWithSame<B::V>,
    B: Val + ?Sized,
    B::V: Elementwise,
{
    let (p, t) = (pred.v(), target.v());
    check_same_shape("mse", p.shape_ew(), t.shape_ew());
    p.zip_same(t, |p, t| (p - t) * (p - t)) / k::<A>(p.len_ew() as f64)
}

/// `2 / n` for a mean over the `n` elements of `a`.
#[inline]
fn two_over_len<A>(a: &A) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    k::<A>(2.0 / a.v().len_ew() as f64)
}

/// Tangent of `mse` wrt `pred`: `2 sum((p - t) dp) / n`.
#[inline]
pub fn mse_jvp0<A, B, R: ?Sized, T>(pred: &A, target: &B, _r: &R, dp: &T) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise + Arith<B::V, Output = EwOut<A>>,
    B: Val + ?Sized,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    mul(&sum_all(&mul(&sub(pred, target), dp)), &two_over_len(pred))
}

/// Tangent of `mse` wrt `target`: `-2 sum((p - t) dt) / n`.
#[inline]
pub fn mse_jvp1<A, B, R: ?Sized, T>(pred: &A, target: &B, _r: &R, dt: &T) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise + Arith<B::V, Output = EwOut<A>>,
    B: Val + ?Sized,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    neg(&mul(
        &sum_all(&mul(&sub(pred, target), dt)),
        &two_over_len(pred),
    ))
}

/// Adjoint of `mse` wrt `pred`: `2 g (p - t) / n`.
#[inline]
pub fn mse_vjp0<A, B, R: ?Sized, G>(pred: &A, target: &B, _r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise + Arith<B::V, Output = EwOut<A>>,
    B: Val + ?Sized,
    G: Val<V = EwElem<A>> + ?Sized,
{
    mul(&sub(pred, target), &mul(g, &two_over_len(pred)))
}

/// Adjoint of `mse` wrt `target`: `-2 g (p - t) / n`.
#[inline]
pub fn mse_vjp1<A, B, R: ?Sized, G>(pred: &A, target: &B, _r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise + Arith<B::V, Output = EwOut<A>>,
    B: Val + ?Sized,
    G: Val<V = EwElem<A>> + ?Sized,
{
    neg(&mul(&sub(pred, target), &mul(g, &two_over_len(pred))))
}

/// L1 norm: the sum of `|x|` over all elements.
#[inline]
pub fn l1<A>(a: &A) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    a.v().map_ew(|x| x.abs()).sum_ew()
}

/// Tangent of `l1`: `sum(sign(x) d)` (`sign(0) = 0`).
#[inline]
pub fn l1_jvp0<A, R: ?Sized, T>(a: &A, _r: &R, d: &T) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    sum_all(&mul(&sign(a), d))
}

/// Adjoint of `l1`: `g sign(x)`.
#[inline]
pub fn l1_vjp0<A, R: ?Sized, G>(a: &A, _r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    G: Val<V = EwElem<A>> + ?Sized,
{
    mul(&sign(a), g)
}

/// Squared L2 norm: the sum of `x^2` over all elements.
#[inline]
pub fn l2<A>(a: &A) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
{
    a.v().map_ew(|x| x * x).sum_ew()
}

/// Tangent of `l2`: `2 sum(x d)`.
#[inline]
pub fn l2_jvp0<A, R: ?Sized, T>(a: &A, _r: &R, d: &T) -> EwElem<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    T: Val + ?Sized,
    EwOut<A>: Arith<T::V, Output = EwOut<A>>,
{
    mul(&sum_all(&mul(&identity(a), d)), &k::<A>(2.0))
}

/// Adjoint of `l2`: `2 g x`.
#[inline]
pub fn l2_vjp0<A, R: ?Sized, G>(a: &A, _r: &R, g: &G) -> EwOut<A>
where
    A: Val + ?Sized,
    A::V: Elementwise,
    G: Val<V = EwElem<A>> + ?Sized,
{
    mul(&identity(a), &mul(g, &k::<A>(2.0)))
}

/// Elementwise math on f64 and on arrays, callable as functions (`ops::tanh(&z)`)
/// since ndarray has no array methods for some of them; the same primitives as the
/// methods `x.tanh()`, with the same rules.
pub use crate::rt::{
    abs, abs_jvp0, abs_vjp0, acos, acos_jvp0, acos_vjp0, asin, asin_jvp0, asin_vjp0, atan,
    atan_jvp0, atan_vjp0, cbrt, cbrt_jvp0, cbrt_vjp0, cos, cos_jvp0, cos_vjp0, cosh, cosh_jvp0,
    cosh_vjp0, exp, exp_jvp0, exp_vjp0, ln, ln_jvp0, ln_vjp0, log10, log10_jvp0, log10_vjp0, log2,
    log2_jvp0, log2_vjp0, recip, recip_jvp0, recip_vjp0, sin, sin_jvp0, sin_vjp0, sinh, sinh_jvp0,
    sinh_vjp0, sqrt, sqrt_jvp0, sqrt_vjp0, tan, tan_jvp0, tan_vjp0, tanh, tanh_jvp0, tanh_vjp0,
};
