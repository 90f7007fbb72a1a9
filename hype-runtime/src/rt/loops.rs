//! What the backward sweep of a loop uses instead of tapes, where a tape would only
//! store what can be recomputed or is never read:
//!
//! * [`range_at`], [`range_back`], [`range_step`]: the loop variable of trip `k` of a
//!   range loop (`lo..hi`, `(lo..hi).rev()`, `(lo..hi).step_by(s)`), so the index is
//!   not taped;
//! * [`Kept`] / [`restore`]: the old value of a variable overwritten in a loop whose
//!   value the backward sweep never reads (only its shape): a scalar keeps nothing, any
//!   other type keeps the whole value;
//! * [`dense`] / [`acc_at_dense`]: an array adjoint that a loop only accumulates into
//!   by index, made dense once before the loop instead of checked at every element.

/// Integer types a range loop can run over.
pub trait RangeIndex: Copy {
    /// `self + k`.
    fn plus(self, k: usize) -> Self;
    /// `self - k`.
    fn minus(self, k: usize) -> Self;
}

macro_rules! range_index {
    ($($t:ty)*) => {$(
        impl RangeIndex for $t {
            #[inline(always)]
            fn plus(self, k: usize) -> Self {
                // Trip `k` exists, so the item fits the type: the cast wraps exactly.
                self.wrapping_add(k as $t)
            }
            #[inline(always)]
            fn minus(self, k: usize) -> Self {
                self.wrapping_sub(k as $t)
            }
        }
    )*};
}
range_index!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize);

/// Item `k` of `lo..hi` or `lo..=hi`.
#[inline(always)]
pub fn range_at<T: RangeIndex>(lo: T, k: usize) -> T {
    lo.plus(k)
}

/// Item `k` of `(lo..end).rev()`: `end - 1 - k` (`end` is `hi + 1` for `lo..=hi`, so
/// pass `inclusive`).
#[inline(always)]
pub fn range_back<T: RangeIndex>(end: T, inclusive: bool, k: usize) -> T {
    if inclusive {
        end.minus(k)
    } else {
        end.minus(k).minus(1)
    }
}

/// Item `k` of `(lo..hi).step_by(step)`.
#[inline(always)]
pub fn range_step<T: RangeIndex>(lo: T, step: usize, k: usize) -> T {
    lo.plus(k.wrapping_mul(step))
}

/// The old value of an overwritten variable, as kept for the backward sweep.
/// Generated code calls `Kept::new(old).keep_on(&mut tape)` with both [`KeepScalar`]
/// and [`KeepWhole`] in scope: method resolution picks `KeepScalar` (by value) for an
/// `f64` before `KeepWhole` (by reference) for anything else.
pub struct Kept<T>(core::cell::Cell<Option<T>>);

/// Keeps nothing of an `f64` (its shape is all the backward sweep reads): its tape
/// is a `Vec<()>` that is never even pushed to.
pub trait KeepScalar {
    fn keep_on(self, tape: &mut Vec<()>);
}

impl<F: crate::Float> KeepScalar for Kept<F> {
    #[inline(always)]
    fn keep_on(self, _tape: &mut Vec<()>) {}
}

/// Keeps the whole value of any other type.
pub trait KeepWhole<T> {
    fn keep_on(self, tape: &mut Vec<T>);
}

impl<T> KeepWhole<T> for &Kept<T> {
    #[inline(always)]
    fn keep_on(self, tape: &mut Vec<T>) {
        // Taken through the cell: the receiver is a reference (see `Kept`).
        tape.push(self.0.take().expect("hype: value kept twice"))
    }
}

impl<T> Kept<T> {
    #[inline(always)]
    pub fn new(v: T) -> Self {
        Kept(core::cell::Cell::new(Some(v)))
    }
}

/// Pops nothing from the tape of a kept scalar (it holds only `()`s): no check, no
/// bookkeeping in the backward sweep.
pub trait PopScalar {
    fn pop_kept(self);
}

impl PopScalar for &mut Vec<()> {
    #[inline(always)]
    fn pop_kept(self) {}
}

/// Pops a kept value (any type but a scalar's `()`).
pub trait PopWhole<T> {
    fn pop_kept(self) -> T;
}

impl<T> PopWhole<T> for &mut &mut Vec<T> {
    #[inline(always)]
    fn pop_kept(self) -> T {
        self.pop().expect("hype: tape underflow")
    }
}

/// Puts a kept value back: a scalar keeps its current value (nothing was kept).
pub trait Restore<K> {
    fn restore(&mut self, kept: K);
}

impl<F: crate::Float> Restore<()> for F {
    #[inline(always)]
    fn restore(&mut self, _kept: ()) {}
}

impl<T> Restore<T> for T {
    #[inline(always)]
    fn restore(&mut self, kept: T) {
        *self = kept;
    }
}

/// `var` gets back what [`Kept`] kept of its old value.
#[inline(always)]
pub fn restore<T: Restore<K>, K>(var: &mut T, kept: K) {
    var.restore(kept)
}

/// An adjoint slot made dense for a loop (an array, `Vec<f64>` or `[f64; N]`), or
/// nothing when its gradient is not wanted.
pub struct Dense<'a, T>(Option<&'a mut T>);

/// Makes the slot dense (zeros shaped like `like` if it was empty) when `need`.
#[inline]
pub fn dense<'a, L, T>(need: bool, slot: &'a mut Option<T>, like: &L) -> Dense<'a, T>
where
    L: crate::HasTangent<Tangent = T> + ?Sized,
{
    if need {
        Dense(Some(slot.get_or_insert_with(|| like.zero_tangent())))
    } else {
        Dense(None)
    }
}

/// Adds `g` into element `index` of a dense adjoint.
#[inline(always)]
pub fn acc_at_dense<T: super::ElementAdjoint<I>, I>(d: &mut Dense<'_, T>, index: I, g: T::Elem) {
    if let Some(a) = d.0.as_deref_mut() {
        a.acc_elem(index, g);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_items_match_the_iterators() {
        let items: Vec<i32> = (0..5).map(|k| range_at(-2i32, k)).collect();
        assert_eq!(items, (-2..3).collect::<Vec<_>>());
        let back: Vec<usize> = (0..4).map(|k| range_back(7usize, false, k)).collect();
        assert_eq!(back, (3..7).rev().collect::<Vec<_>>());
        let back_inc: Vec<u8> = (0..4).map(|k| range_back(7u8, true, k)).collect();
        assert_eq!(back_inc, (4..=7).rev().collect::<Vec<_>>());
        let stepped: Vec<i64> = (0..4).map(|k| range_step(1i64, 3, k)).collect();
        assert_eq!(stepped, (1..12).step_by(3).collect::<Vec<_>>());
    }

    #[test]
    fn a_scalar_keeps_nothing_and_an_array_keeps_itself() {
        use super::{KeepScalar as _, KeepWhole as _};
        let mut units: Vec<()> = Vec::new();
        Kept::new(2.5f64).keep_on(&mut units);
        assert!(units.is_empty());
        let mut s = 9.0;
        restore(&mut s, ());
        assert_eq!(s, 9.0);
        let a = ndarray::array![1.0, 2.0];
        let mut arrays = Vec::new();
        Kept::new(a.clone()).keep_on(&mut arrays);
        let mut b = ndarray::array![5.0, 6.0];
        restore(&mut b, arrays.pop().unwrap());
        assert_eq!(b, a);
    }

    #[test]
    fn dense_slot_accumulates_only_when_needed() {
        let x = ndarray::array![1.0, 2.0, 3.0];
        let mut slot = None;
        {
            let mut d = dense(true, &mut slot, &x);
            acc_at_dense(&mut d, 1, 2.0);
            acc_at_dense(&mut d, 1, 0.5);
        }
        assert_eq!(slot, Some(ndarray::array![0.0, 2.5, 0.0]));
        let mut empty: Option<ndarray::Array1<f64>> = None;
        let mut d = dense(false, &mut empty, &x);
        acc_at_dense(&mut d, 0, 1.0);
        assert!(empty.is_none());
    }
}

#[cfg(test)]
mod inference {
    #[test]
    fn keep_of_an_unsuffixed_float() {
        // As generated code writes it: both traits in scope, the type picks the impl.
        #[allow(unused_imports)]
        use crate::rt::{KeepScalar as _, KeepWhole as _, PopScalar as _, PopWhole as _};
        let mut s = 0.0;
        let mut tape = Vec::new();
        for _ in 0..3 {
            let s_new = s + 1.0;
            crate::rt::Kept::new(core::mem::replace(&mut s, s_new)).keep_on(&mut tape);
        }
        (&mut tape).pop_kept();
        assert_eq!(s, 3.0);
        assert!(tape.is_empty(), "a scalar's tape is not even pushed to");
        let mut arrays = vec![ndarray::array![1.0], ndarray::array![2.0]];
        let last: ndarray::Array1<f64> = (&mut arrays).pop_kept();
        assert_eq!(last, ndarray::array![2.0]);
        assert_eq!(arrays.len(), 1);
    }
}
