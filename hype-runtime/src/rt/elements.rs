//! Element access of containers in generated code: `x[i]` reads through [`at`], and
//! the adjoint of such a read is added into element `i` of the container's adjoint
//! ([`acc_at`]). Containers, for `F` = `f64` or `f32`: ndarray arrays of `F` (any
//! index ndarray takes), `[F]`, `Vec<F>`, `[F; N]` (elements are `F` values), and
//! sequences of arrays, `[Array<F, D>]` / `Vec<Array<F, D>>` (elements are borrowed arrays),
//! as a recurrent network takes its inputs.

use crate::tangent::{HasTangent, Tangent};
use crate::Float;
use ndarray::{Array, ArrayBase, Data, Dimension, NdIndex};

/// Containers whose elements generated code reads by index.
pub trait ElementRead<I> {
    /// An element: an `f64`, or a borrowed array.
    type Out<'a>
    where
        Self: 'a;
    /// Element `index` (panics out of bounds, like indexing).
    fn read(&self, index: I) -> Self::Out<'_>;
}

impl<F: Float, S: Data<Elem = F>, D: Dimension, I: NdIndex<D>> ElementRead<I> for ArrayBase<S, D> {
    type Out<'a>
        = F
    where
        Self: 'a;
    #[inline(always)]
    fn read(&self, index: I) -> F {
        self[index]
    }
}

impl<F: Float> ElementRead<usize> for [F] {
    type Out<'a> = F;
    #[inline(always)]
    fn read(&self, index: usize) -> F {
        self[index]
    }
}

impl<F: Float> ElementRead<usize> for Vec<F> {
    type Out<'a> = F;
    #[inline(always)]
    fn read(&self, index: usize) -> F {
        self[index]
    }
}

impl<F: Float, const N: usize> ElementRead<usize> for [F; N] {
    type Out<'a> = F;
    #[inline(always)]
    fn read(&self, index: usize) -> F {
        self[index]
    }
}

impl<F: Float, D: Dimension> ElementRead<usize> for [Array<F, D>] {
    type Out<'a>
        = &'a Array<F, D>
    where
        Self: 'a;
    #[inline(always)]
    fn read(&self, index: usize) -> &Array<F, D> {
        &self[index]
    }
}

impl<F: Float, D: Dimension> ElementRead<usize> for Vec<Array<F, D>> {
    type Out<'a>
        = &'a Array<F, D>
    where
        Self: 'a;
    #[inline(always)]
    fn read(&self, index: usize) -> &Array<F, D> {
        &self[index]
    }
}

/// Through a reference, elements borrow from what it points to (not from the
/// reference variable), so a read of a reference parameter can outlive the call.
impl<'b, T: ElementRead<I> + ?Sized, I> ElementRead<I> for &'b T {
    type Out<'a>
        = T::Out<'b>
    where
        Self: 'a;
    #[inline(always)]
    fn read(&self, index: I) -> T::Out<'b> {
        let inner: &'b T = self;
        inner.read(index)
    }
}

/// `c[index]` as generated code reads it.
#[inline(always)]
#[track_caller]
pub fn at<C: ElementRead<I> + ?Sized, I>(c: &C, index: I) -> C::Out<'_> {
    c.read(index)
}

/// Adjoints whose elements receive contributions one at a time.
pub trait ElementAdjoint<I> {
    /// The adjoint of one element.
    type Elem;
    /// Adds `g` into element `index`.
    fn acc_elem(&mut self, index: I, g: Self::Elem);
}

impl<F: Float, D: Dimension, I: NdIndex<D>> ElementAdjoint<I> for Array<F, D> {
    type Elem = F;
    #[inline(always)]
    fn acc_elem(&mut self, index: I, g: F) {
        self[index] += g;
    }
}

impl<F: Float> ElementAdjoint<usize> for Vec<F> {
    type Elem = F;
    #[inline(always)]
    fn acc_elem(&mut self, index: usize, g: F) {
        self[index] += g;
    }
}

impl<F: Float, const N: usize> ElementAdjoint<usize> for [F; N] {
    type Elem = F;
    #[inline(always)]
    fn acc_elem(&mut self, index: usize, g: F) {
        self[index] += g;
    }
}

impl<F: Float, D: Dimension> ElementAdjoint<usize> for Vec<Array<F, D>> {
    type Elem = Array<F, D>;
    #[inline]
    #[track_caller]
    fn acc_elem(&mut self, index: usize, g: Array<F, D>) {
        let e = &mut self[index];
        super::check_same_shape("acc_at", e.shape(), g.shape());
        e.add_assign_tangent(&g);
    }
}

/// Elements an indexed write `a[i] = e` overwrites: their adjoint is taken out.
pub trait ElementSlot<I> {
    /// An element: a scalar, or an array for a `Vec` of arrays.
    type Elem;
    /// The element at `index`, replaced by zero.
    fn take_elem(&mut self, index: I) -> Self::Elem;
}

impl<F: Float, D: Dimension, I: NdIndex<D>> ElementSlot<I> for Array<F, D> {
    type Elem = F;
    #[inline(always)]
    fn take_elem(&mut self, index: I) -> F {
        std::mem::replace(&mut self[index], F::zero())
    }
}

impl<F: Float> ElementSlot<usize> for Vec<F> {
    type Elem = F;
    #[inline(always)]
    fn take_elem(&mut self, index: usize) -> F {
        std::mem::replace(&mut self[index], F::zero())
    }
}

impl<F: Float, const N: usize> ElementSlot<usize> for [F; N] {
    type Elem = F;
    #[inline(always)]
    fn take_elem(&mut self, index: usize) -> F {
        std::mem::replace(&mut self[index], F::zero())
    }
}

impl<F: Float, D: Dimension> ElementSlot<usize> for Vec<Array<F, D>> {
    type Elem = Array<F, D>;
    #[inline]
    fn take_elem(&mut self, index: usize) -> Array<F, D> {
        let zeros = Array::zeros(self[index].raw_dim());
        std::mem::replace(&mut self[index], zeros)
    }
}

/// Adds `g` into element `index` of an adjoint slot, creating zeros shaped like
/// `like` on first use (the adjoint of an indexing read, without a full-size temporary).
#[inline]
#[track_caller]
pub fn acc_at<L, T, I>(slot: &mut Option<T>, like: &L, index: I, g: T::Elem)
where
    L: HasTangent<Tangent = T> + ?Sized,
    T: ElementAdjoint<I>,
{
    slot.get_or_insert_with(|| like.zero_tangent())
        .acc_elem(index, g);
}

/// Takes the adjoint of element `index` out of an adjoint slot, leaving zero there
/// (the adjoint of an indexed write `a[i] = e`: the old element is overwritten).
#[inline]
pub fn take_at<T: ElementSlot<I>, I>(slot: &mut Option<T>, index: I) -> Option<T::Elem> {
    slot.as_mut().map(|a| a.take_elem(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn reads_and_adjoints_of_every_container() {
        let v = vec![1.0, 2.0];
        assert_eq!(at(&&v, 1), 2.0);
        let xs = vec![array![1.0, 2.0], array![3.0, 4.0]];
        assert_eq!(at(&xs[..], 1), &array![3.0, 4.0]);
        let mut slot: Option<Vec<Array<f64, ndarray::Ix1>>> = None;
        acc_at(&mut slot, &xs, 1, array![0.5, 0.25]);
        acc_at(&mut slot, &xs, 1, array![0.5, 0.25]);
        assert_eq!(slot, Some(vec![array![0.0, 0.0], array![1.0, 0.5]]));
        let mut a: Option<[f64; 2]> = None;
        acc_at(&mut a, &[1.0, 2.0], 0, 3.0);
        assert_eq!(take_at(&mut a, 0), Some(3.0));
        assert_eq!(a, Some([0.0, 0.0]));
    }
}
