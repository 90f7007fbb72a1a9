//! Broadcasting and its transpose: [`SumTo`] sums an adjoint over the axes an operand
//! was broadcast along; [`BroadcastTo`] spreads a tangent over the result's shape.
//! Each is the other's adjoint, so rules written with them differentiate again.

use super::{shape_panic, Val};
use crate::Float;
use ndarray::{Array, ArrayBase, Axis, Data, Dimension, IxDyn};

/// Sums `self` down to the shape of `Like` (the adjoint of broadcasting).
pub trait SumTo<Like: ?Sized> {
    /// The owned result, shaped like `Like`.
    type Out;
    /// Sums over leading axes and over axes where `like` has length 1.
    fn sum_to(&self, like: &Like) -> Self::Out;
}

impl<F: Float> SumTo<F> for F {
    type Out = F;
    #[inline]
    fn sum_to(&self, _like: &F) -> F {
        *self
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> SumTo<F> for ArrayBase<S, D> {
    type Out = F;
    #[inline]
    fn sum_to(&self, _like: &F) -> F {
        self.sum()
    }
}

impl<F, S, D, S2, E> SumTo<ArrayBase<S2, E>> for ArrayBase<S, D>
where
    F: Float,
    S: Data<Elem = F>,
    D: Dimension,
    S2: Data<Elem = F>,
    E: Dimension,
{
    type Out = Array<F, E>;
    fn sum_to(&self, like: &ArrayBase<S2, E>) -> Array<F, E> {
        if self.shape() == like.shape() {
            return self
                .to_owned()
                .into_dimensionality::<E>()
                .unwrap_or_else(|_| shape_panic("sum_to", self.shape(), like.shape()));
        }
        if self.ndim() < like.ndim() {
            shape_panic("sum_to", self.shape(), like.shape());
        }
        let mut g: Array<F, IxDyn> = self.to_owned().into_dyn();
        for _ in 0..self.ndim() - like.ndim() {
            g = g.sum_axis(Axis(0));
        }
        for (ax, &n) in like.shape().iter().enumerate() {
            if g.shape()[ax] == n {
                continue;
            }
            if n != 1 {
                shape_panic("sum_to", self.shape(), like.shape());
            }
            g = g.sum_axis(Axis(ax)).insert_axis(Axis(ax));
        }
        g.into_dimensionality::<E>()
            .unwrap_or_else(|_| shape_panic("sum_to", self.shape(), like.shape()))
    }
}

/// Sums `g` down to the shape of `like` (see [`SumTo`]).
#[inline]
#[track_caller]
pub fn sum_to<G, L>(g: &G, like: &L) -> <G::V as SumTo<L::V>>::Out
where
    G: Val + ?Sized,
    L: Val + ?Sized,
    G::V: SumTo<L::V>,
{
    g.v().sum_to(like.v())
}

/// [`SumTo`] of an owned adjoint: moved through when the shapes already agree (the
/// adjoint of `a + b` for `a` of the result's shape), summed otherwise.
pub trait SumToOwned<Like: ?Sized>: SumTo<Like> + Sized {
    fn sum_to_owned(self, like: &Like) -> Self::Out;
}

impl<F: Float> SumToOwned<F> for F {
    #[inline]
    fn sum_to_owned(self, _like: &F) -> F {
        self
    }
}

impl<F: Float, D: Dimension> SumToOwned<F> for Array<F, D> {
    #[inline]
    fn sum_to_owned(self, like: &F) -> F {
        self.sum_to(like)
    }
}

impl<F, D, S2, E> SumToOwned<ArrayBase<S2, E>> for Array<F, D>
where
    F: Float,
    D: Dimension,
    S2: Data<Elem = F>,
    E: Dimension,
{
    #[inline]
    fn sum_to_owned(self, like: &ArrayBase<S2, E>) -> Array<F, E> {
        if self.shape() == like.shape() {
            return match self.into_dimensionality::<E>() {
                Ok(g) => g,
                Err(_) => shape_panic("sum_to", like.shape(), like.shape()),
            };
        }
        self.sum_to(like)
    }
}

/// The adjoint of `a + b` (or of `a - b`) wrt `a`, consuming the result's adjoint `g`
/// (the emitter passes it to the last rule that reads it): no copy when `a` has the
/// result's shape.
#[inline]
#[track_caller]
pub fn add_vjp_owned<G, L>(g: G, like: &L) -> <G as SumTo<L::V>>::Out
where
    L: Val + ?Sized,
    G: SumToOwned<L::V>,
{
    g.sum_to_owned(like.v())
}

/// Spreads `self` over the shape of `Like` (a tangent of an operand that was broadcast).
pub trait BroadcastTo<Like: ?Sized> {
    /// The owned result, shaped like `Like`.
    type Out;
    /// Repeats `self` along the axes where `like` is longer.
    fn broadcast_to(&self, like: &Like) -> Self::Out;
}

impl<F: Float> BroadcastTo<F> for F {
    type Out = F;
    #[inline]
    fn broadcast_to(&self, _like: &F) -> F {
        *self
    }
}

impl<F: Float, S2: Data<Elem = F>, E: Dimension> BroadcastTo<ArrayBase<S2, E>> for F {
    type Out = Array<F, E>;
    #[inline]
    fn broadcast_to(&self, like: &ArrayBase<S2, E>) -> Array<F, E> {
        Array::from_elem(like.raw_dim(), *self)
    }
}

impl<F, S, D, S2, E> BroadcastTo<ArrayBase<S2, E>> for ArrayBase<S, D>
where
    F: Float,
    S: Data<Elem = F>,
    D: Dimension,
    S2: Data<Elem = F>,
    E: Dimension,
{
    type Out = Array<F, E>;
    fn broadcast_to(&self, like: &ArrayBase<S2, E>) -> Array<F, E> {
        match self.broadcast(like.raw_dim()) {
            Some(v) => v.to_owned(),
            None => shape_panic("broadcast_to", self.shape(), like.shape()),
        }
    }
}

/// Spreads `d` over the shape of `like` (see [`BroadcastTo`]).
#[inline]
#[track_caller]
pub fn broadcast_to<T, L>(d: &T, like: &L) -> <T::V as BroadcastTo<L::V>>::Out
where
    T: Val + ?Sized,
    L: Val + ?Sized,
    T::V: BroadcastTo<L::V>,
{
    d.v().broadcast_to(like.v())
}

// Rules of `broadcast_to` and `sum_to`, which derivative code of derivative code
// calls (the shape template `like` carries no derivative). The two are each other's
// transpose.

/// Tangent of `broadcast_to` wrt `d`.
#[inline]
#[track_caller]
pub fn broadcast_to_jvp0<T, L, R, D>(
    _d: &T,
    like: &L,
    _r: &R,
    dd: &D,
) -> <D::V as BroadcastTo<L::V>>::Out
where
    T: ?Sized,
    R: ?Sized,
    L: Val + ?Sized,
    D: Val + ?Sized,
    D::V: BroadcastTo<L::V>,
{
    broadcast_to(dd, like)
}

/// Adjoint of `broadcast_to` wrt `d`: the adjoint summed back to the shape of `d`.
#[inline]
#[track_caller]
pub fn broadcast_to_vjp0<T, L, R, G>(d: &T, _like: &L, _r: &R, g: &G) -> <G::V as SumTo<T::V>>::Out
where
    T: Val + ?Sized,
    L: ?Sized,
    R: ?Sized,
    G: Val + ?Sized,
    G::V: SumTo<T::V>,
{
    sum_to(g, d)
}

/// Tangent of `sum_to` wrt `g`.
#[inline]
#[track_caller]
pub fn sum_to_jvp0<T, L, R, D>(_g: &T, like: &L, _r: &R, dg: &D) -> <D::V as SumTo<L::V>>::Out
where
    T: ?Sized,
    R: ?Sized,
    L: Val + ?Sized,
    D: Val + ?Sized,
    D::V: SumTo<L::V>,
{
    sum_to(dg, like)
}

/// Adjoint of `sum_to` wrt `g`: the adjoint spread back over the shape of `g`.
#[inline]
#[track_caller]
pub fn sum_to_vjp0<T, L, R, G>(g: &T, _like: &L, _r: &R, gg: &G) -> <G::V as BroadcastTo<T::V>>::Out
where
    T: Val + ?Sized,
    L: ?Sized,
    R: ?Sized,
    G: Val + ?Sized,
    G::V: BroadcastTo<T::V>,
{
    broadcast_to(gg, g)
}
