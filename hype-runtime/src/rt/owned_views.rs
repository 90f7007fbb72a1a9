//! Owned forms of the view-returning primitives (`t`, `insert_axis`, `slice`).
//!
//! A view borrows the array it looks into. Generated reverse code keeps its values
//! alive in the backward closure, which moves local variables: a view of a *local*
//! array would outlive the borrow. For those the transform calls these owned forms,
//! which share the rules (`t_jvp0`, `t_vjp0`, ...) of the view forms; views of
//! parameters (borrowed for the whole call) stay zero-copy.

use super::Val;
use crate::Float;
use ndarray::{Array, ArrayBase, Axis, Data, Dimension, SliceArg};

/// `a.t()` as an owned array.
pub fn t_owned<A, S, D, F: Float>(a: &A) -> Array<F, D>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    super::t(a).to_owned()
}

/// `a.insert_axis(axis)` as an owned array.
pub fn insert_axis_owned<A, S, D, F: Float>(a: &A, axis: Axis) -> Array<F, D::Larger>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
{
    super::insert_axis(a, axis).to_owned()
}

/// `a.slice(info)` as an owned array.
pub fn slice_owned<A, S, D, I, F: Float>(a: &A, info: I) -> Array<F, I::OutDim>
where
    A: Val<V = ArrayBase<S, D>> + ?Sized,
    S: Data<Elem = F>,
    D: Dimension,
    I: SliceArg<D>,
{
    super::slice(a, info).to_owned()
}
