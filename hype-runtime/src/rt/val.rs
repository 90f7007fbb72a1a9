//! [`Val`]: one view of a value through any number of references.

use ndarray::{ArrayBase, Data, Dimension};

/// How generated code sees a value whatever the number of `&` in front of it.
///
/// Implemented for `f64`, every ndarray array or view of `f64`, and references to
/// those; ops are written on `Val::V`, so `op(&x, &y)` works whether `x` holds an
/// `Array1<f64>` or a `&Array1<f64>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in differentiated arithmetic",
    label = "not an f64 or an ndarray array of f64",
    note = "inside #[differentiable] code, arithmetic and math methods apply to f64 and ndarray arrays of f64 (and references to them)"
)]
pub trait Val {
    /// The value type behind the references.
    type V: ?Sized;
    /// The value behind the references.
    fn v(&self) -> &Self::V;
}

impl Val for f64 {
    type V = f64;
    #[inline]
    fn v(&self) -> &f64 {
        self
    }
}

impl<S: Data<Elem = f64>, D: Dimension> Val for ArrayBase<S, D> {
    type V = Self;
    #[inline]
    fn v(&self) -> &Self {
        self
    }
}

impl<T: Val + ?Sized> Val for &T {
    type V = T::V;
    #[inline]
    fn v(&self) -> &T::V {
        (**self).v()
    }
}

impl<T: Val + ?Sized> Val for &mut T {
    type V = T::V;
    #[inline]
    fn v(&self) -> &T::V {
        (**self).v()
    }
}
