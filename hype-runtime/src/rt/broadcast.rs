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
        if self.ndim() == 1 && like.ndim() == 1 && like.len() == 1 {
            // A vector to one value (a shared rate): the sum the reduction below gives.
            return Array::from_elem(like.raw_dim(), self.sum());
        }
        // The first reduction reads `self` in place (no copy of the whole adjoint).
        let view = self.view().into_dyn();
        let mut g: Option<Array<F, IxDyn>> = None;
        let reduce = |g: Option<Array<F, IxDyn>>, ax: usize, keep: bool| {
            let r = match g {
                Some(a) => a.sum_axis(Axis(ax)),
                None => view.sum_axis(Axis(ax)),
            };
            if keep {
                r.insert_axis(Axis(ax))
            } else {
                r
            }
        };
        for _ in 0..self.ndim() - like.ndim() {
            g = Some(reduce(g, 0, false));
        }
        for (ax, &n) in like.shape().iter().enumerate() {
            let len = g
                .as_ref()
                .map_or(view.shape()[ax + self.ndim() - like.ndim()], |g| {
                    g.shape()[ax]
                });
            if len == n {
                continue;
            }
            if n != 1 {
                shape_panic("sum_to", self.shape(), like.shape());
            }
            g = Some(reduce(g, ax, true));
        }
        g.unwrap_or_else(|| view.to_owned())
            .into_dimensionality::<E>()
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2, Array3};

    fn cube() -> Array3<f64> {
        Array3::from_shape_fn((2, 3, 4), |(i, j, k)| {
            (i * 12 + j * 4 + k) as f64 * 0.5 - 3.0
        })
    }

    /// `g` summed by hand over the index positions that `keep` maps to one target cell.
    fn by_hand(
        g: &Array3<f64>,
        dim: &[usize],
        keep: impl Fn(usize, usize, usize) -> Vec<usize>,
    ) -> Vec<f64> {
        let mut out = vec![0.0; dim.iter().product()];
        for ((i, j, k), v) in g.indexed_iter() {
            let idx = keep(i, j, k);
            let flat = idx.iter().zip(dim).fold(0, |acc, (&x, &n)| acc * n + x);
            out[flat] += v;
        }
        out
    }

    #[test]
    fn sums_over_leading_and_unit_axes() {
        let g = cube();
        type Keep = Box<dyn Fn(usize, usize, usize) -> Vec<usize>>;
        let cases: Vec<(Vec<usize>, Keep)> = vec![
            (vec![4], Box::new(|_, _, k| vec![k])),
            (vec![3, 1], Box::new(|_, j, _| vec![j, 0])),
            (vec![1, 4], Box::new(|_, _, k| vec![0, k])),
            (vec![2, 1, 4], Box::new(|i, _, k| vec![i, 0, k])),
            (vec![1, 1, 1], Box::new(|_, _, _| vec![0, 0, 0])),
            (vec![2, 3, 4], Box::new(|i, j, k| vec![i, j, k])),
        ];
        for (dim, keep) in cases {
            let expect = by_hand(&g, &dim, keep);
            let like = Array::<f64, IxDyn>::zeros(IxDyn(&dim));
            let got = g.sum_to(&like);
            assert_eq!(got.shape(), &dim[..]);
            let owned = g.clone().into_dyn().sum_to_owned(&like);
            for ((a, b), e) in got.iter().zip(owned.iter()).zip(&expect) {
                assert!(
                    (a - e).abs() < 1e-12 && (b - e).abs() < 1e-12,
                    "{dim:?}: {a} {b} vs {e}"
                );
            }
        }
    }

    #[test]
    fn reads_strided_views() {
        // A transposed view: the reduction reads it in place.
        let a = Array2::from_shape_fn((3, 5), |(i, j)| (i * 5 + j) as f64);
        let t = a.t();
        let like = Array1::<f64>::zeros(3);
        let got = t.sum_to(&like);
        let expect: Vec<f64> = (0..3)
            .map(|i| (0..5).map(|j| (i * 5 + j) as f64).sum())
            .collect();
        assert_eq!(got.to_vec(), expect);
        let same = t.sum_to(&Array2::<f64>::zeros((5, 3)));
        assert_eq!(same, t.to_owned());
    }

    #[test]
    #[should_panic(expected = "sum_to")]
    fn incompatible_shapes_panic() {
        let _ = cube().sum_to(&Array2::<f64>::zeros((3, 2)));
    }
}
