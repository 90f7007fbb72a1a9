//! [`Val`]: one view of a value through any number of references.

use crate::Float;
use ndarray::{ArrayBase, Data, Dimension};

/// How generated code sees a value whatever the number of `&` in front of it.
///
/// Implemented for `f64` and `f32`, every ndarray array or view of them, and
/// references (up to three levels) to `f64` and to arrays; ops are written on
/// `Val::V`, so `op(&x, &y)` works whether `x` holds an `Array1<f64>` or a
/// `&Array1<f64>`. An `f32` scalar is passed by one reference (`&x`): with `&f32`
/// implemented too, a literal behind two references (`&&2.0`) would lose its type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in differentiated arithmetic",
    label = "not an f64/f32 or an ndarray array of f64/f32",
    note = "inside #[differentiable] code, arithmetic and math methods apply to f64, f32 and ndarray arrays of them (and references to them)"
)]
pub trait Val {
    /// The value type behind the references.
    type V: ?Sized;
    /// The value behind the references.
    fn v(&self) -> &Self::V;
}

// Scalars through one impl over `F: Float`, so that an unsuffixed literal (`&2.0`)
// has exactly one candidate and takes its type from the other operand (`f32` next to
// an `f32` array, `f64` next to an `f64` one). A blanket impl for `&T` would overlap
// it (coherence cannot rule out `&T: Float`), so references are enumerated below,
// up to three levels.
impl<F: Float> Val for F {
    type V = F;
    #[inline]
    fn v(&self) -> &F {
        self
    }
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> Val for ArrayBase<S, D> {
    type V = Self;
    #[inline]
    fn v(&self) -> &Self {
        self
    }
}

/// `Val` for references to values, up to three levels of `&` / `&mut`.
macro_rules! val_refs {
    ([$($g:tt)*] $t:ty) => {
        val_refs!(@one ['r, $($g)*] &'r $t, $t);
        val_refs!(@one ['r, $($g)*] &'r mut $t, $t);
        val_refs!(@one ['r, 'q, $($g)*] &'r &'q $t, $t);
        val_refs!(@one ['r, 'q, $($g)*] &'r &'q mut $t, $t);
        val_refs!(@one ['r, 'q, $($g)*] &'r mut &'q $t, $t);
        val_refs!(@one ['r, 'q, $($g)*] &'r mut &'q mut $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r &'q &'p $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r &'q &'p mut $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r &'q mut &'p $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r mut &'q &'p $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r &'q mut &'p mut $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r mut &'q &'p mut $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r mut &'q mut &'p $t, $t);
        val_refs!(@one ['r, 'q, 'p, $($g)*] &'r mut &'q mut &'p mut $t, $t);
    };
    (@one [$($g:tt)*] $r:ty, $t:ty) => {
        impl<$($g)*> Val for $r {
            type V = <$t as Val>::V;
            #[inline]
            fn v(&self) -> &Self::V {
                // Deref coercion through every level of reference.
                let inner: &$t = self;
                inner.v()
            }
        }
    };
}

// Scalars behind references: f64 only. With `&f32` too, `&&2.0` (a literal that
// derivative code of derivative code references again) would have two candidates and
// lose its type; f32 values are passed at depth 0 (`&x`).
val_refs!([] f64);
val_refs!([F: Float, S: Data<Elem = F>, D: Dimension] ArrayBase<S, D>);
