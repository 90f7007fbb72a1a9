//! Shape ops with rules: [`insert_axis`], [`remove_axis`], [`to_owned`]/[`clone_val`],
//! [`slice`], indexing reads [`index`] and writes [`index_set`]/[`index_add`], and the
//! construction of arrays from active scalars ([`stack_scalars`], [`stack_scalars2`],
//! what `array![a, b]` and `array![[a, b], [c, d]]` become).
//!
//! Primals that only re-describe memory (`insert_axis`, `remove_axis`, `slice`) return
//! **views** of their operand, like the ndarray methods they stand for; rules return
//! owned arrays (tangents and adjoints are owned). The adjoints of `slice` and `index`
//! scatter into zeros through [`scatter_slice`] and [`scatter_index`], which are
//! primitives with rules themselves (their adjoints are `slice` and `index`), so every
//! rule here can be differentiated again.

use super::reduce::check_axis;
use super::{acc_at, check_same_shape, shape_panic, Val};
use crate::Float;
use ndarray::{
    Array, Array1, Array2, ArrayBase, ArrayView, Axis, Data, DataMut, Dimension, NdIndex,
    RemoveAxis, SliceArg,
};

// ---- insert_axis / remove_axis ----

/// `a` with a new axis of length 1 at `axis` (a view).
#[inline]
#[track_caller]
pub fn insert_axis<'a, A, S, D, F: Float>(a: &'a A, axis: Axis) -> ArrayView<'a, F, D::Larger>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F> + 'a,
    D: Dimension + 'a,
{
    let a = a.v();
    check_axis("insert_axis", axis, a.shape(), true);
    a.view().insert_axis(axis)
}

/// Tangent of `insert_axis(a, axis)`: `insert_axis(da, axis)` (owned).
#[inline]
#[track_caller]
pub fn insert_axis_jvp0<A, R, T, S, D, F: Float>(
    _a: &A,
    axis: Axis,
    _r: &R,
    da: &T,
) -> Array<F, D::Larger>
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    insert_axis(da, axis).to_owned()
}

/// Adjoint of `insert_axis(a, axis)`: `remove_axis(g, axis)` (owned).
#[inline]
#[track_caller]
pub fn insert_axis_vjp0<A, R, G, S, E, F: Float>(
    _a: &A,
    axis: Axis,
    _r: &R,
    g: &G,
) -> Array<F, E::Smaller>
where
    A: ?Sized,
    R: ?Sized,
    G: Val<V = ArrayBase<S, E>> + ?Sized,
    S: Data<Elem = F>,
    E: RemoveAxis,
{
    remove_axis(g, axis).to_owned()
}

/// `a` without its length-1 axis `axis` (a view); panics if that axis is not of length 1.
#[inline]
#[track_caller]
pub fn remove_axis<'a, A, S, D, F: Float>(a: &'a A, axis: Axis) -> ArrayView<'a, F, D::Smaller>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F> + 'a,
    D: RemoveAxis + 'a,
{
    let a = a.v();
    check_axis("remove_axis", axis, a.shape(), false);
    if a.len_of(axis) != 1 {
        panic!(
            "hype: `remove_axis`: axis {} of shape {:?} does not have length 1",
            axis.index(),
            a.shape()
        );
    }
    a.view().remove_axis(axis)
}

/// Tangent of `remove_axis(a, axis)`: `remove_axis(da, axis)` (owned).
#[inline]
#[track_caller]
pub fn remove_axis_jvp0<A, R, T, S, D, F: Float>(
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
    remove_axis(da, axis).to_owned()
}

/// Adjoint of `remove_axis(a, axis)`: `insert_axis(g, axis)` (owned).
#[inline]
#[track_caller]
pub fn remove_axis_vjp0<A, R, G, S, E, F: Float>(
    _a: &A,
    axis: Axis,
    _r: &R,
    g: &G,
) -> Array<F, E::Larger>
where
    A: ?Sized,
    R: ?Sized,
    G: Val<V = ArrayBase<S, E>> + ?Sized,
    S: Data<Elem = F>,
    E: Dimension,
{
    insert_axis(g, axis).to_owned()
}

// ---- to_owned / clone ----

/// An owned copy of a value type (`f64` stays `f64`, arrays and views become `Array`).
pub trait ToOwnedVal {
    /// The owned type.
    type Owned;
    /// The owned copy.
    fn to_owned_val(&self) -> Self::Owned;
}

impl<F: Float> ToOwnedVal for F {
    type Owned = F;
    #[inline]
    fn to_owned_val(&self) -> F {
        *self
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> ToOwnedVal for ArrayBase<S, D> {
    type Owned = Array<F, D>;
    #[inline]
    fn to_owned_val(&self) -> Array<F, D> {
        self.to_owned()
    }
}

/// Shorthand for the owned type of a [`Val`].
pub type Owned<A> = <<A as Val>::V as ToOwnedVal>::Owned;

/// An owned copy of `a` (`.to_owned()`; the identity on values).
#[inline]
pub fn to_owned<A>(a: &A) -> Owned<A>
where
    A: Val + ?Sized,
    A::V: ToOwnedVal,
{
    a.v().to_owned_val()
}

/// Tangent of `to_owned(a)`: `to_owned(da)`.
#[inline]
pub fn to_owned_jvp0<A: ?Sized, R: ?Sized, T>(_a: &A, _r: &R, da: &T) -> Owned<T>
where
    T: Val + ?Sized,
    T::V: ToOwnedVal,
{
    to_owned(da)
}

/// Adjoint of `to_owned(a)`: `to_owned(g)`.
#[inline]
pub fn to_owned_vjp0<A: ?Sized, R: ?Sized, G>(_a: &A, _r: &R, g: &G) -> Owned<G>
where
    G: Val + ?Sized,
    G::V: ToOwnedVal,
{
    to_owned(g)
}

/// A copy of `a` (`.clone()`); the same op as [`to_owned`].
#[inline]
pub fn clone_val<A>(a: &A) -> Owned<A>
where
    A: Val + ?Sized,
    A::V: ToOwnedVal,
{
    to_owned(a)
}

/// Tangent of `clone_val(a)`: `to_owned(da)`.
#[inline]
pub fn clone_val_jvp0<A: ?Sized, R: ?Sized, T>(_a: &A, _r: &R, da: &T) -> Owned<T>
where
    T: Val + ?Sized,
    T::V: ToOwnedVal,
{
    to_owned(da)
}

/// Adjoint of `clone_val(a)`: `to_owned(g)`.
#[inline]
pub fn clone_val_vjp0<A: ?Sized, R: ?Sized, G>(_a: &A, _r: &R, g: &G) -> Owned<G>
where
    G: Val + ?Sized,
    G::V: ToOwnedVal,
{
    to_owned(g)
}

// ---- slice ----

/// `a.slice(info)` (a view); `info` is an ndarray `SliceInfo`, e.g. `s![1.., ..;2]`.
#[inline]
#[track_caller]
pub fn slice<'a, A, S, D, I, F: Float>(a: &'a A, info: I) -> ArrayView<'a, F, I::OutDim>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F> + 'a,
    D: Dimension + 'a,
    I: SliceArg<D>,
{
    a.v().slice(info)
}

/// Tangent of `slice(a, info)`: `slice(da, info)` (owned).
#[inline]
#[track_caller]
pub fn slice_jvp0<A, R, T, S, D, I, F: Float>(
    _a: &A,
    info: I,
    _r: &R,
    da: &T,
) -> Array<F, I::OutDim>
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
{
    slice(da, info).to_owned()
}

/// Adjoint of `slice(a, info)`: `scatter_slice(g, a, info)` (`g` in zeros shaped like `a`).
#[inline]
#[track_caller]
pub fn slice_vjp0<A, R, G, S, D, I, S2, E, F: Float>(a: &A, info: I, _r: &R, g: &G) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
    R: ?Sized,
    G: Val<V = ArrayBase<S2, E>> + ?Sized,
    S2: Data<Elem = F>,
    E: Dimension,
{
    scatter_slice(g, a, info)
}

/// Adds [`slice_vjp0`] into `slot` in place (zeros shaped like `a` are made on first use).
#[inline]
#[track_caller]
pub fn slice_acc0<A, R, G, S, D, I, S2, E, F: Float>(
    slot: &mut Option<Array<F, D>>,
    a: &A,
    info: I,
    _r: &R,
    g: &G,
) where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
    R: ?Sized,
    G: Val<V = ArrayBase<S2, E>> + ?Sized,
    S2: Data<Elem = F>,
    E: Dimension,
{
    let a = a.v();
    let g = g.v();
    let s = slot.get_or_insert_with(|| Array::zeros(a.raw_dim()));
    // A lazy zero (an empty array, see `Tangent::lazy_zero_like`) becomes real zeros.
    if s.is_empty() && s.shape() != a.shape() {
        *s = Array::zeros(a.raw_dim());
    }
    check_same_shape("slice_acc", s.shape(), a.shape());
    let mut part = s.slice_mut(info);
    check_same_shape("slice_acc", part.shape(), g.shape());
    part.zip_mut_with(g, |p, &v| *p += v);
}

/// [`slice_acc0`] without the unused result argument: `slot[info] += g`.
#[inline]
#[track_caller]
pub fn slice_acc<A, G, S, D, I, S2, E, F: Float>(
    slot: &mut Option<Array<F, D>>,
    a: &A,
    info: I,
    g: &G,
) where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
    G: Val<V = ArrayBase<S2, E>> + ?Sized,
    S2: Data<Elem = F>,
    E: Dimension,
{
    slice_acc0(slot, a, info, &(), g)
}

/// Zeros shaped like `like` with `g` written into the slice `info` (the adjoint of
/// [`slice()`]; linear in `g`).
#[inline]
#[track_caller]
pub fn scatter_slice<G, L, S, D, I, S2, E, F: Float>(g: &G, like: &L, info: I) -> Array<F, D>
where
    L: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
    G: Val<V = ArrayBase<S2, E>> + ?Sized,
    S2: Data<Elem = F>,
    E: Dimension,
{
    let g = g.v();
    let mut out = Array::zeros(like.v().raw_dim());
    {
        let mut part = out.slice_mut(info);
        check_same_shape("slice_vjp0", part.shape(), g.shape());
        part.zip_mut_with(g, |p, &v| *p = v);
    }
    out
}

/// Tangent of `scatter_slice(g, like, info)` wrt `g`: `scatter_slice(dg, like, info)`.
#[inline]
#[track_caller]
pub fn scatter_slice_jvp0<G, L, R, T, S, D, I, S2, E, F: Float>(
    _g: &G,
    like: &L,
    info: I,
    _r: &R,
    dg: &T,
) -> Array<F, D>
where
    G: ?Sized,
    R: ?Sized,
    L: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
    T: Val<V = ArrayBase<S2, E>> + ?Sized,
    S2: Data<Elem = F>,
    E: Dimension,
{
    scatter_slice(dg, like, info)
}

/// Adjoint of `scatter_slice(g, like, info)` wrt `g`: `slice(gg, info)` (owned).
#[inline]
#[track_caller]
pub fn scatter_slice_vjp0<G, L, R, GG, S, D, I, F: Float>(
    _g: &G,
    _like: &L,
    info: I,
    _r: &R,
    gg: &GG,
) -> Array<F, I::OutDim>
where
    G: ?Sized,
    L: ?Sized,
    R: ?Sized,
    GG: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
{
    slice(gg, info).to_owned()
}

// ---- indexing reads ----

/// Panics with the op name, the index and the shape.
#[cold]
#[track_caller]
fn index_panic(op: &str, idx: &dyn std::fmt::Debug, shape: &[usize]) -> ! {
    panic!("hype: `{op}`: index {idx:?} out of bounds for shape {shape:?}")
}

/// The element `a[idx]` (`idx`: `i` for 1-d, `[i, j]` for 2-d, any ndarray `NdIndex`).
#[inline]
#[track_caller]
pub fn index<A, S, D, I, F: Float>(a: &A, idx: I) -> F
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    let a = a.v();
    match a.get(idx) {
        Some(&v) => v,
        None => index_panic("index", &idx, a.shape()),
    }
}

/// Tangent of `index(a, idx)`: `index(da, idx)`.
#[inline]
#[track_caller]
pub fn index_jvp0<A, R, T, S, D, I, F: Float>(_a: &A, idx: I, _r: &R, da: &T) -> F
where
    A: ?Sized,
    R: ?Sized,
    T: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    index(da, idx)
}

/// Adjoint of `index(a, idx)`: `scatter_index(g, a, idx)` (one-hot, shaped like `a`).
/// Reverse code should prefer [`index_acc0`], which adds into the slot in place.
#[inline]
#[track_caller]
pub fn index_vjp0<A, R, G, S, D, I, F: Float>(a: &A, idx: I, _r: &R, g: &G) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
    R: ?Sized,
    G: Val<V = F> + ?Sized,
{
    scatter_index(g, a, idx)
}

/// Adds [`index_vjp0`] into `slot` in place: `slot[idx] += g` (see [`acc_at`]).
#[inline]
#[track_caller]
pub fn index_acc0<A, R, G, S, D, I, F: Float>(
    slot: &mut Option<Array<F, D>>,
    a: &A,
    idx: I,
    _r: &R,
    g: &G,
) where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
    R: ?Sized,
    G: Val<V = F> + ?Sized,
{
    let a = a.v();
    if a.get(idx).is_none() {
        index_panic("index_vjp0", &idx, a.shape());
    }
    if let Some(s) = slot {
        check_same_shape("index_acc0", s.shape(), a.shape());
    }
    acc_at(slot, a, idx, *g.v());
}

/// Zeros shaped like `like` with `g` at `idx` (the adjoint of [`index`]; linear in `g`).
#[inline]
#[track_caller]
pub fn scatter_index<G, L, S, D, I, F: Float>(g: &G, like: &L, idx: I) -> Array<F, D>
where
    G: Val<V = F> + ?Sized,
    L: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    let mut out = Array::zeros(like.v().raw_dim());
    match out.get_mut(idx) {
        Some(e) => *e = *g.v(),
        None => index_panic("index_vjp0", &idx, like.v().shape()),
    }
    out
}

/// Tangent of `scatter_index(g, like, idx)` wrt `g`: `scatter_index(dg, like, idx)`.
#[inline]
#[track_caller]
pub fn scatter_index_jvp0<G, L, R, T, S, D, I, F: Float>(
    _g: &G,
    like: &L,
    idx: I,
    _r: &R,
    dg: &T,
) -> Array<F, D>
where
    G: ?Sized,
    R: ?Sized,
    T: Val<V = F> + ?Sized,
    L: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    scatter_index(dg, like, idx)
}

/// Adjoint of `scatter_index(g, like, idx)` wrt `g`: `index(gg, idx)`.
#[inline]
#[track_caller]
pub fn scatter_index_vjp0<G, L, R, GG, S, D, I, F: Float>(
    _g: &G,
    _like: &L,
    idx: I,
    _r: &R,
    gg: &GG,
) -> F
where
    G: ?Sized,
    L: ?Sized,
    R: ?Sized,
    GG: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    index(gg, idx)
}

// ---- indexed writes ----
//
// `index_set(&mut a, idx, v)` overwrites one element: the new `a` is the old one with
// element `idx` replaced by `v`. Its rules act in place on the tangent/adjoint of `a`:
// * forward: `index_set_jvp(&mut da, idx, dv)` (the tangent is overwritten the same way);
// * reverse, walking back over the write with the adjoint `ga` of the new `a`:
//   `gv = index_set_vjp1(&ga, idx)` (the written value receives `ga[idx]`), then
//   `index_set_vjp0(&mut ga, idx)` (the old element was overwritten: its adjoint is 0).
//   [`take_at`](super::take_at) does both on an adjoint slot.
// `index_add(&mut a, idx, v)` (`a[idx] += v`) has `index_add_jvp(&mut da, idx, dv)` and
// `gv = index_add_vjp1(&ga, idx)`; the adjoint of `a` passes through unchanged.

/// `a[idx] = v` on an array held in a local variable.
#[inline]
#[track_caller]
pub fn index_set<S, D, I, V, F: Float>(a: &mut ArrayBase<S, D>, idx: I, v: V)
where
    S: DataMut<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
    V: Val<V = F>,
{
    match a.get_mut(idx) {
        Some(e) => *e = *v.v(),
        None => index_panic("index_set", &idx, a.shape()),
    }
}

/// Tangent rule of [`index_set`]: `da[idx] = dv` (in place on the tangent of `a`).
#[inline]
#[track_caller]
pub fn index_set_jvp<S, D, I, V, F: Float>(da: &mut ArrayBase<S, D>, idx: I, dv: V)
where
    S: DataMut<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
    V: Val<V = F>,
{
    index_set(da, idx, dv)
}

/// Adjoint rule of [`index_set`] wrt the array: the adjoint `ga` of the array after the
/// write becomes the adjoint before it by zeroing `ga[idx]` (in place).
#[inline]
#[track_caller]
pub fn index_set_vjp0<S, D, I, F: Float>(ga: &mut ArrayBase<S, D>, idx: I)
where
    S: DataMut<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    index_set(ga, idx, F::zero())
}

/// Adjoint rule of [`index_set`] wrt the written value: `index(ga, idx)`.
#[inline]
#[track_caller]
pub fn index_set_vjp1<G, S, D, I, F: Float>(ga: &G, idx: I) -> F
where
    G: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    index(ga, idx)
}

/// `a[idx] += v` on an array held in a local variable.
#[inline]
#[track_caller]
pub fn index_add<S, D, I, V, F: Float>(a: &mut ArrayBase<S, D>, idx: I, v: V)
where
    S: DataMut<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
    V: Val<V = F>,
{
    match a.get_mut(idx) {
        Some(e) => *e += *v.v(),
        None => index_panic("index_add", &idx, a.shape()),
    }
}

/// Tangent rule of [`index_add`]: `da[idx] += dv` (in place on the tangent of `a`).
#[inline]
#[track_caller]
pub fn index_add_jvp<S, D, I, V, F: Float>(da: &mut ArrayBase<S, D>, idx: I, dv: V)
where
    S: DataMut<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
    V: Val<V = F>,
{
    index_add(da, idx, dv)
}

/// Adjoint rule of [`index_add`] wrt the added value: `index(ga, idx)` (the adjoint of
/// the array itself passes through unchanged).
#[inline]
#[track_caller]
pub fn index_add_vjp1<G, S, D, I, F: Float>(ga: &G, idx: I) -> F
where
    G: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: NdIndex<D> + Copy,
{
    index(ga, idx)
}

// ---- arrays from scalars: array![a, b, c] and array![[a, b], [c, d]] ----

/// `array![x0, x1, ..]` from (active) scalars.
#[inline]
pub fn stack_scalars<T: Val<V = F>, F: Float>(xs: &[T]) -> Array1<F> {
    xs.iter().map(|x| *x.v()).collect()
}

/// Tangent of `stack_scalars(xs)`: `stack_scalars(dxs)` (a constant element has tangent 0).
#[inline]
#[track_caller]
pub fn stack_scalars_jvp0<T, R, U, F: Float>(xs: &[T], _r: &R, dxs: &[U]) -> Array1<F>
where
    R: ?Sized,
    U: Val<V = F>,
{
    if xs.len() != dxs.len() {
        shape_panic("stack_scalars_jvp0", &[xs.len()], &[dxs.len()]);
    }
    stack_scalars(dxs)
}

/// Adjoint of `stack_scalars(xs)` wrt element `k`: `index(g, k)`.
#[inline]
#[track_caller]
pub fn stack_scalars_vjp_at<T, R, G, S, F: Float>(xs: &[T], k: usize, _r: &R, g: &G) -> F
where
    R: ?Sized,
    G: Val<V = ArrayBase<S, ndarray::Ix1>> + ?Sized,
    S: Data<Elem = F>,
{
    check_same_shape("stack_scalars_vjp", &[xs.len()], g.v().shape());
    index(g, k)
}

/// Adjoint of `stack_scalars(xs)` wrt every element: `[index(g, 0), index(g, 1), ..]`.
#[inline]
#[track_caller]
pub fn stack_scalars_vjp0<T, R, G, S, F: Float>(xs: &[T], _r: &R, g: &G) -> Vec<F>
where
    R: ?Sized,
    G: Val<V = ArrayBase<S, ndarray::Ix1>> + ?Sized,
    S: Data<Elem = F>,
{
    check_same_shape("stack_scalars_vjp", &[xs.len()], g.v().shape());
    g.v().to_vec()
}

/// `array![[x00, x01, ..], [x10, x11, ..], ..]` from (active) scalars: rows of `N`.
#[inline]
pub fn stack_scalars2<T: Val<V = F>, const N: usize, F: Float>(rows: &[[T; N]]) -> Array2<F> {
    Array2::from_shape_fn((rows.len(), N), |(i, j)| *rows[i][j].v())
}

/// Tangent of `stack_scalars2(rows)`: `stack_scalars2(drows)`.
#[inline]
#[track_caller]
pub fn stack_scalars2_jvp0<T, R, U, const N: usize, F: Float>(
    rows: &[[T; N]],
    _r: &R,
    drows: &[[U; N]],
) -> Array2<F>
where
    R: ?Sized,
    U: Val<V = F>,
{
    if rows.len() != drows.len() {
        shape_panic("stack_scalars2_jvp0", &[rows.len(), N], &[drows.len(), N]);
    }
    stack_scalars2(drows)
}

/// Adjoint of `stack_scalars2(rows)` wrt element `[i, j]`: `index(g, [i, j])`.
#[inline]
#[track_caller]
pub fn stack_scalars2_vjp_at<T, R, G, S, const N: usize, F: Float>(
    rows: &[[T; N]],
    ij: [usize; 2],
    _r: &R,
    g: &G,
) -> F
where
    R: ?Sized,
    G: Val<V = ArrayBase<S, ndarray::Ix2>> + ?Sized,
    S: Data<Elem = F>,
{
    check_same_shape("stack_scalars2_vjp", &[rows.len(), N], g.v().shape());
    index(g, ij)
}

/// Adjoint of `stack_scalars2(rows)` wrt every element, row by row.
#[inline]
#[track_caller]
pub fn stack_scalars2_vjp0<T, R, G, S, const N: usize, F: Float>(
    rows: &[[T; N]],
    _r: &R,
    g: &G,
) -> Vec<[F; N]>
where
    R: ?Sized,
    G: Val<V = ArrayBase<S, ndarray::Ix2>> + ?Sized,
    S: Data<Elem = F>,
{
    let g = g.v();
    check_same_shape("stack_scalars2_vjp", &[rows.len(), N], g.shape());
    (0..rows.len())
        .map(|i| std::array::from_fn(|j| g[[i, j]]))
        .collect()
}
