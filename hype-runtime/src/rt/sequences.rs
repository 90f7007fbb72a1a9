//! Sequences built in a loop (`hs.push(h)`): the backward sweep pops the primal and
//! its adjoint together, so a `Vec`'s adjoint, once dense, stays as long as the `Vec`.

use super::ElementRead;
use crate::Float;
use ndarray::{Array, Dimension};

/// An element as read, made owned: scalars as they are, arrays of a `Vec` copied.
pub trait OwnedElement {
    type Owned;
    fn into_owned_element(self) -> Self::Owned;
}

/// Over `F: Float`, not `f32` and `f64` one by one, so that code generic over its
/// float type reads scalar elements too (`out[[t, j]] = h[[0, j]]` in a generic layer).
impl<F: Float> OwnedElement for F {
    type Owned = F;
    #[inline(always)]
    fn into_owned_element(self) -> F {
        self
    }
}

impl<F: Float, D: Dimension> OwnedElement for &Array<F, D> {
    type Owned = Array<F, D>;
    #[inline]
    fn into_owned_element(self) -> Array<F, D> {
        self.clone()
    }
}

/// `c[index]` of a local container, owned (generated code's element read of a local
/// that the backward sweep later moves: a borrow of it could not be kept).
#[inline]
pub fn at_owned<'a, C: ElementRead<I> + ?Sized, I>(
    c: &'a C,
    index: I,
) -> <C::Out<'a> as OwnedElement>::Owned
where
    C::Out<'a>: OwnedElement,
{
    c.read(index).into_owned_element()
}

/// The adjoint of the last element of a `Vec`, removed from its (lazy) adjoint slot;
/// `None` when nothing has flowed into the `Vec` yet.
#[inline]
pub fn pop_adjoint<T>(slot: &mut Option<Vec<T>>) -> Option<T> {
    slot.as_mut().and_then(Vec::pop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_from_a_dense_slot_only() {
        let mut empty: Option<Vec<f64>> = None;
        assert_eq!(pop_adjoint(&mut empty), None);
        let mut dense = Some(vec![1.0, 2.0]);
        assert_eq!(pop_adjoint(&mut dense), Some(2.0));
        assert_eq!(dense, Some(vec![1.0]));
    }
}
