//! Adjoint accumulation and tangent plumbing used by generated code.
//!
//! Reverse-mode code keeps the adjoint of each variable as an `Option<T>`: `None` is
//! an exact zero that costs nothing, the first contribution is moved in, and later ones
//! are added in place. Rules whose adjoint is `None` are skipped altogether.

use crate::tangent::{HasTangent, Tangent};

/// An empty adjoint slot for `like` (typed by it; holds an exact zero).
#[inline]
pub fn none_like<V: HasTangent + ?Sized>(_like: &V) -> Option<V::Tangent> {
    None
}

/// Adds contribution `c` into the adjoint slot.
#[inline]
pub fn acc<T: Tangent>(slot: &mut Option<T>, c: T) {
    match slot {
        Some(s) => s.acc_move(c),
        None => *slot = Some(c),
    }
}

/// Takes the adjoint out of its slot for numeric use: lazy zeros (of struct fields no
/// contribution reached) become real zeros shaped like `like`.
#[inline]
pub fn take_dense<V: HasTangent + ?Sized>(
    slot: &mut Option<V::Tangent>,
    like: &V,
) -> Option<V::Tangent> {
    slot.take().map(|mut t| {
        like.densify(&mut t);
        t
    })
}

/// The finished adjoint: the slot's content, or zeros shaped like `like`.
#[inline]
pub fn unwrap_or_zero<V: HasTangent + ?Sized>(slot: Option<V::Tangent>, like: &V) -> V::Tangent {
    match slot {
        Some(mut t) => {
            like.densify(&mut t);
            t
        }
        None => like.zero_tangent(),
    }
}

/// The gradient `f__rev`'s pullback returns for a parameter: the finished adjoint if
/// the caller wanted it, else a lazy zero (nothing allocated; callers drop gradients
/// they did not ask for).
#[inline]
pub fn wanted_or_lazy_zero<V: HasTangent + ?Sized>(
    wanted: bool,
    slot: Option<V::Tangent>,
    like: &V,
) -> V::Tangent {
    if wanted {
        unwrap_or_zero(slot, like)
    } else {
        like.lazy_zero_tangent()
    }
}

/// The zero tangent shaped like `like`.
#[inline]
pub fn zero_tangent<V: HasTangent + ?Sized>(like: &V) -> V::Tangent {
    like.zero_tangent()
}

/// An owned copy of a tangent given by reference (tangent arguments of calls).
#[inline]
pub fn owned_tangent<T: Tangent>(t: &T) -> T {
    t.clone()
}

/// Sum of two tangent contributions of the same shape.
#[inline]
pub fn add_tangents<T: Tangent>(mut a: T, b: T) -> T {
    a.add_assign_tangent(&b);
    a
}

impl HasTangent for () {
    type Tangent = ();
    fn zero_tangent(&self) {}
}

/// Integers and booleans are never active; their tangent is `()` so that derivative
/// code may pass a (zero) tangent for every argument of a call, as second-order code
/// does (`f__dir` takes one for such a parameter and ignores it).
macro_rules! unit_tangent {
    ($($t:ty),*) => {$(
        impl HasTangent for $t {
            type Tangent = ();
            fn zero_tangent(&self) {}
        }
    )*};
}
unit_tangent!(usize, isize, u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, bool);

/// Adds `g` into one field of a struct's adjoint slot (the adjoint of reading
/// `base.field`). The struct starts as a lazy zero: fields no contribution reaches
/// are neither allocated nor zero-filled until the adjoint is taken out
/// ([`take_dense`], [`unwrap_or_zero`]), and a first contribution is moved in.
#[inline]
pub fn acc_field<L, F>(
    slot: &mut Option<L::Tangent>,
    like: &L,
    field: impl FnOnce(&mut L::Tangent) -> &mut F,
    g: F,
) where
    L: HasTangent + ?Sized,
    F: Tangent,
{
    field(slot.get_or_insert_with(|| like.lazy_zero_tangent())).acc_move(g)
}

/// In-place accumulation into one array field of a struct's adjoint slot: `acc` (an
/// `{op}_acc{k}` rule, e.g. gemm with `beta = 1`) gets the field's adjoint as a slot of
/// its own, `None` while it is a lazy zero, so the first contribution is written
/// without zero-filling and later ones add in place, with no temporary.
#[inline]
pub fn acc_field_in_place<L, F, D>(
    slot: &mut Option<L::Tangent>,
    like: &L,
    field: impl FnOnce(&mut L::Tangent) -> &mut ndarray::Array<F, D>,
    acc: impl FnOnce(&mut Option<ndarray::Array<F, D>>),
) where
    L: HasTangent + ?Sized,
    F: crate::float::Float,
    D: ndarray::Dimension,
{
    let place = field(slot.get_or_insert_with(|| like.lazy_zero_tangent()));
    // An empty field is a lazy zero (or a genuinely empty adjoint: the rule rewrites it).
    let mut lent = if place.is_empty() {
        None
    } else {
        let empty = ndarray::Array::zeros(D::zeros(place.ndim()));
        Some(std::mem::replace(place, empty))
    };
    acc(&mut lent);
    if let Some(v) = lent {
        *place = v;
    }
}

/// The operand of [`zero_or_unit!`](crate::rt::zero_or_unit): a borrowed value.
#[doc(hidden)]
pub struct ZeroOf<'a, T: ?Sized>(pub &'a T);

/// [`zero_or_unit!`](crate::rt::zero_or_unit) of a value with a tangent type: its zero.
#[doc(hidden)]
pub trait ZeroViaTangent {
    type Out;
    fn zero_or_unit(&self) -> Self::Out;
}

impl<T: HasTangent + ?Sized> ZeroViaTangent for ZeroOf<'_, T> {
    type Out = T::Tangent;
    #[inline]
    fn zero_or_unit(&self) -> T::Tangent {
        self.0.zero_tangent()
    }
}

/// [`zero_or_unit!`](crate::rt::zero_or_unit) of any other value: `()`.
#[doc(hidden)]
pub trait ZeroViaUnit {
    #[inline]
    fn zero_or_unit(&self) {}
}

impl<T: ?Sized> ZeroViaUnit for &ZeroOf<'_, T> {}

/// `zero_or_unit!(&x)`: the zero tangent of `x` if its type has one, `()` otherwise (a
/// constant of a user type). Derivative code passes it for an argument that carries no
/// derivative, whatever the type; method resolution picks [`ZeroViaTangent`] (by
/// reference) before [`ZeroViaUnit`] (by double reference).
#[doc(hidden)]
#[macro_export]
macro_rules! __hype_zero_or_unit {
    ($x:expr) => {{
        #[allow(unused_imports)]
        use $crate::rt::{ZeroViaTangent as _, ZeroViaUnit as _};
        (&$crate::rt::ZeroOf($x)).zero_or_unit()
    }};
}

#[cfg(test)]
mod zero_or_unit_tests {
    struct Config {
        _k: usize,
    }

    #[test]
    fn zero_for_tangent_types_and_unit_otherwise() {
        let a = ndarray::array![1.0, 2.0];
        let z: ndarray::Array1<f64> = crate::rt::zero_or_unit!(&a);
        assert_eq!(z, ndarray::array![0.0, 0.0]);
        let s: f64 = crate::rt::zero_or_unit!(&3.5f64);
        assert_eq!(s, 0.0);
        let c = Config { _k: 3 };
        let u: () = crate::rt::zero_or_unit!(&c);
        assert_eq!(u, ());
    }
}
