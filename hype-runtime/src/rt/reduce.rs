//! Reductions: [`sum`], [`mean`] (all elements) and [`sum_axis`], [`mean_axis`], with
//! rules. Tangents reduce the same way; adjoints spread `g` back over the operand with
//! [`insert_axis`](super::insert_axis) and [`broadcast_to`](super::broadcast_to).

use super::{broadcast_to, insert_axis, Val};
use crate::Float;
use ndarray::{Array, ArrayBase, Axis, Data, Dimension, RemoveAxis};

/// Panics unless `axis` is an axis of an array of shape `shape`.
#[inline]
#[track_caller]
pub(super) fn check_axis(op: &str, axis: Axis, shape: &[usize], allow_end: bool) {
    let n = shape.len() + usize::from(allow_end);
    if axis.index() >= n {
        panic!(
            "hype: `{op}`: axis {} out of bounds for shape {shape:?}",
            axis.index()
        );
    }
}

/// The length of `axis` as a divisor; panics on an empty axis (the mean is undefined).
#[inline]
#[track_caller]
fn axis_len<F: Float>(op: &str, axis: Axis, shape: &[usize]) -> F {
    check_axis(op, axis, shape, false);
    let n = shape[axis.index()];
    if n == 0 {
        panic!(
            "hype: `{op}`: axis {} of shape {shape:?} is empty",
            axis.index()
        );
    }
    F::of_f64(n as f64)
}

/// The number of elements as a divisor; panics on an empty array.
#[inline]
#[track_caller]
fn elem_count<F: Float>(op: &str, shape: &[usize]) -> F {
    let n: usize = shape.iter().product();
    if n == 0 {
        panic!("hype: `{op}`: the array of shape {shape:?} is empty");
    }
    F::of_f64(n as f64)
}

// ---- sum ----

/// The sum of all elements.
#[inline]
pub fn sum<A, S, D, F: Float>(a: &A) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    a.v().sum()
}

/// Tangent of `sum(a)`: `sum(da)`.
#[inline]
pub fn sum_jvp0<A, R, T, S, D, F: Float>(_a: &A, _r: &R, da: &T) -> F
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    sum(da)
}

/// Adjoint of `sum(a)`: `broadcast_to(g, a)` (every element gets `g`).
#[inline]
pub fn sum_vjp0<A, R, G, S, D, F: Float>(a: &A, _r: &R, g: &G) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    R: ?Sized,
    G: Val<V = F> + ?Sized,
{
    broadcast_to(g, a)
}

// ---- mean ----

/// The mean of all elements; panics on an empty array.
#[inline]
#[track_caller]
pub fn mean<A, S, D, F: Float>(a: &A) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    let a = a.v();
    a.sum() / elem_count("mean", a.shape())
}

/// Tangent of `mean(a)`: `mean(da)`.
#[inline]
#[track_caller]
pub fn mean_jvp0<A, R, T, S, D, F: Float>(_a: &A, _r: &R, da: &T) -> F
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    mean(da)
}

/// Adjoint of `mean(a)`: `broadcast_to(g / len(a), a)`.
#[inline]
#[track_caller]
pub fn mean_vjp0<A, R, G, S, D, F: Float>(a: &A, _r: &R, g: &G) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    R: ?Sized,
    G: Val<V = F> + ?Sized,
{
    let n = elem_count("mean_vjp0", a.v().shape());
    broadcast_to(&(*g.v() / n), a)
}

// ---- sum_axis ----

/// The sum along `axis` (the axis is removed).
#[inline]
#[track_caller]
pub fn sum_axis<A, S, D, F: Float>(a: &A, axis: Axis) -> Array<F, D::Smaller>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: RemoveAxis,
{
    let a = a.v();
    check_axis("sum_axis", axis, a.shape(), false);
    a.sum_axis(axis)
}

/// Tangent of `sum_axis(a, axis)`: `sum_axis(da, axis)`.
#[inline]
#[track_caller]
pub fn sum_axis_jvp0<A, R, T, S, D, F: Float>(
    _a: &A,
    axis: Axis,
    _r: &R,
    da: &T,
) -> Array<F, D::Smaller>
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: RemoveAxis,
{
    sum_axis(da, axis)
}

/// Adjoint of `sum_axis(a, axis)`: `broadcast_to(insert_axis(g, axis), a)`.
#[inline]
#[track_caller]
pub fn sum_axis_vjp0<A, R, G, S, D, S2, E, F: Float>(
    a: &A,
    axis: Axis,
    _r: &R,
    g: &G,
) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    R: ?Sized,
    G: Val<V = ArrayBase<S2, E>> + ?Sized,
    S2: Data<Elem = F>,
    E: Dimension,
{
    check_axis("sum_axis_vjp0", axis, a.v().shape(), false);
    broadcast_to(&insert_axis(g, axis), a)
}

// ---- mean_axis ----

/// The mean along `axis` (the axis is removed); panics when the axis is empty.
#[inline]
#[track_caller]
pub fn mean_axis<A, S, D, F: Float>(a: &A, axis: Axis) -> Array<F, D::Smaller>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: RemoveAxis,
{
    let a = a.v();
    let n = axis_len("mean_axis", axis, a.shape());
    let mut r = a.sum_axis(axis);
    r.mapv_inplace(|v| v / n);
    r
}

/// Tangent of `mean_axis(a, axis)`: `mean_axis(da, axis)`.
#[inline]
#[track_caller]
pub fn mean_axis_jvp0<A, R, T, S, D, F: Float>(
    _a: &A,
    axis: Axis,
    _r: &R,
    da: &T,
) -> Array<F, D::Smaller>
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: RemoveAxis,
{
    mean_axis(da, axis)
}

/// Adjoint of `mean_axis(a, axis)`: `broadcast_to(insert_axis(g, axis), a) / n` with
/// `n` the length of `axis`.
#[inline]
#[track_caller]
pub fn mean_axis_vjp0<A, R, G, S, D, S2, E, F: Float>(
    a: &A,
    axis: Axis,
    _r: &R,
    g: &G,
) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    R: ?Sized,
    G: Val<V = ArrayBase<S2, E>> + ?Sized,
    S2: Data<Elem = F>,
    E: Dimension,
{
    let n = axis_len("mean_axis_vjp0", axis, a.v().shape());
    let mut out = broadcast_to(&insert_axis(g, axis), a);
    out.mapv_inplace(|v| v / n);
    out
}

// ---------------------------------------------------------------------------------------
// var, std (ndarray's `var(ddof)` / `std(ddof)` over all elements)
// ---------------------------------------------------------------------------------------

/// `1 / (n - ddof)` for an array of `n` elements: a constant of the variance's rules.
#[inline]
#[track_caller]
pub fn ddof_scale<A, S, D, F: Float>(a: &A, ddof: F) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    let n = F::of_f64(a.v().len() as f64);
    if !(ddof >= F::zero() && ddof < n) {
        panic!("hype: `var`: ddof {ddof} must be in [0, {n}) for an array of {n} elements");
    }
    (n - ddof).recip()
}

/// The variance of all elements with `ddof` degrees of freedom removed (as ndarray's
/// `var`).
#[inline]
#[track_caller]
pub fn var<A, S, D, F: Float>(a: &A, ddof: F) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    let scale = ddof_scale(a, ddof);
    let m = a.v().mean().unwrap_or(F::zero());
    a.v().fold(F::zero(), |s, &x| s + (x - m) * (x - m)) * scale
}

/// `2 sum((a - mean) d) / (n - ddof)` (the mean's own tangent cancels).
#[inline]
#[track_caller]
fn var_inner<A, T, S, D, S2, F: Float>(a: &A, ddof: F, d: &T) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    T: Val<V = ArrayBase<S2, D>> + ?Sized,
    S: Data<Elem = F>,
    S2: Data<Elem = F>,
    D: Dimension,
{
    super::check_same_shape("var_jvp0", a.v().shape(), d.v().shape());
    let m = a.v().mean().unwrap_or(F::zero());
    let s = a
        .v()
        .iter()
        .zip(d.v().iter())
        .fold(F::zero(), |s, (&x, &t)| s + (x - m) * t);
    F::of_f64(2.0) * s * ddof_scale(a, ddof)
}

/// Tangent of `var`.
#[inline]
#[track_caller]
pub fn var_jvp0<A, R, T, S, D, S2, F: Float>(a: &A, ddof: F, _r: &R, d: &T) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S2, D>> + ?Sized,
    S: Data<Elem = F>,
    S2: Data<Elem = F>,
    D: Dimension,
{
    var_inner(a, ddof, d)
}

/// Adjoint of `var`: `g 2 (a - mean) / (n - ddof)`.
#[inline]
#[track_caller]
pub fn var_vjp0<A, R, G, S, D, F: Float>(a: &A, ddof: F, _r: &R, g: &G) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    R: ?Sized,
    G: Val<V = F> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    let m = a.v().mean().unwrap_or(F::zero());
    let c = F::of_f64(2.0) * ddof_scale(a, ddof) * *g.v();
    a.v().mapv(|x| c * (x - m))
}

/// The standard deviation, `sqrt(var(a, ddof))`.
#[inline]
#[track_caller]
pub fn std<A, S, D, F: Float>(a: &A, ddof: F) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    var(a, ddof).sqrt()
}

/// Tangent of `std`: `var`'s tangent over `2 r`.
#[inline]
#[track_caller]
pub fn std_jvp0<A, R, T, S, D, S2, F: Float>(a: &A, ddof: F, r: &R, d: &T) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    R: Val<V = F> + ?Sized,
    T: Val<V = ArrayBase<S2, D>> + ?Sized,
    S: Data<Elem = F>,
    S2: Data<Elem = F>,
    D: Dimension,
{
    // At zero spread `std` has a kink (as `abs` at 0): the rule gives 0 there.
    let r = *r.v();
    if r == F::zero() {
        F::zero()
    } else {
        var_inner(a, ddof, d) / (F::of_f64(2.0) * r)
    }
}

/// Adjoint of `std`: `g (a - mean) / ((n - ddof) r)`.
#[inline]
#[track_caller]
pub fn std_vjp0<A, R, G, S, D, F: Float>(a: &A, ddof: F, r: &R, g: &G) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    R: Val<V = F> + ?Sized,
    G: Val<V = F> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    let m = a.v().mean().unwrap_or(F::zero());
    // At zero spread `std` has a kink (as `abs` at 0): the rule gives 0 there.
    let r = *r.v();
    let c = if r == F::zero() {
        F::zero()
    } else {
        ddof_scale(a, ddof) * *g.v() / r
    };
    a.v().mapv(|x| c * (x - m))
}
