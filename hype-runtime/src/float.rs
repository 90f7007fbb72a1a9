//! [`Float`]: the scalar types of differentiable code, `f32` and `f64`.
//!
//! Every primitive of [`crate::rt`] and [`crate::ops`] is written once over `F: Float`
//! (scalars `F` and ndarray arrays of `F`); both operands of an op have the same
//! element type, so mixing `f32` with `f64` is a type error, not a silent conversion:
//!
//! ```
//! use hype_runtime::{ndarray::array, rt};
//! let x = array![1.0f32, 2.0];
//! let y: hype_runtime::ndarray::Array1<f32> = rt::mul(&rt::tanh(&x), &2.0);
//! assert_eq!(y.len(), 2);
//! ```
//!
//! ```compile_fail
//! use hype_runtime::{ndarray::array, rt};
//! let x = array![1.0f32, 2.0];
//! let w = array![1.0f64, 2.0];
//! let _ = rt::mul(&rt::tanh(&x), &w); // f32 array times f64 array: no impl
//! ```
//!
//! ```compile_fail
//! use hype_runtime::rt;
//! let _ = rt::add(&1.0f32, &2.0f64); // f32 + f64: no impl
//! ```
//!
//! Generic code bounds its float type by [`Float`]:
//!
//! ```
//! fn softsign<T: hype_runtime::Float>(x: T) -> T {
//!     x / (T::one() + x.abs())
//! }
//! assert_eq!(softsign(1.0f32), 0.5);
//! assert_eq!(softsign(-3.0f64), -0.75);
//! ```

use crate::kernels::Kernel;
use crate::rt::Val;
use crate::tangent::{HasTangent, Tangent, TangentScalar};
use ndarray::{Array, ArrayBase, Data, Dimension, NdFloat};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// The floating-point types of differentiable code: exactly `f32` and `f64` (sealed).
///
/// It brings ndarray's [`NdFloat`] (so `num_traits::Float`'s math methods, `exp`,
/// `tanh`, `max`, ... and arithmetic) and `num_traits::FromPrimitive` (for ndarray's
/// `mean`, `var`), the [`Tangent`] of a scalar, and the conversions
/// that rules need for their constants. The bound of functions generic over the float
/// type, `fn f<T: hype::Float>(x: T) -> T`.
pub trait Float:
    NdFloat
    + num_traits::FromPrimitive
    + Default
    + TangentScalar
    + Tangent
    + HasTangent<Tangent = Self>
    + Val<V = Self>
    + sealed::Sealed
{
    /// `v` rounded to `Self` (constants of rules, `2.0`, `LN_2`, ...).
    fn of_f64(v: f64) -> Self;
    /// `self` as an `f64` (exact).
    fn into_f64(self) -> f64;
    /// `a` mapped through the vectorized `kernel` where `Self` has one (f64), else
    /// through `scalar`, one value at a time.
    #[doc(hidden)]
    fn map_kernel_array<S, D>(
        a: &ArrayBase<S, D>,
        kernel: Kernel,
        scalar: fn(Self) -> Self,
    ) -> Array<Self, D>
    where
        S: Data<Elem = Self>,
        D: Dimension;
}

impl Float for f64 {
    #[inline]
    fn of_f64(v: f64) -> f64 {
        v
    }
    #[inline]
    fn into_f64(self) -> f64 {
        self
    }
    fn map_kernel_array<S, D>(
        a: &ArrayBase<S, D>,
        kernel: Kernel,
        _scalar: fn(f64) -> f64,
    ) -> Array<f64, D>
    where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        match a.as_slice() {
            // Standard layout: straight into a new buffer.
            Some(src) => Array::from_shape_vec(a.raw_dim(), kernel.map(src))
                .unwrap_or_else(|_| unreachable!("one value per element")),
            // Any other layout: an owned (contiguous) copy, overwritten in place.
            None => {
                let mut out = a.to_owned();
                match out.as_slice_memory_order_mut() {
                    Some(xs) => kernel.apply(xs),
                    None => out.mapv_inplace(|x| kernel.scalar(x)),
                }
                out
            }
        }
    }
}

impl Float for f32 {
    #[inline]
    fn of_f64(v: f64) -> f32 {
        v as f32
    }
    #[inline]
    fn into_f64(self) -> f64 {
        f64::from(self)
    }
    fn map_kernel_array<S, D>(
        a: &ArrayBase<S, D>,
        kernel: Kernel,
        _scalar: fn(f32) -> f32,
    ) -> Array<f32, D>
    where
        S: Data<Elem = f32>,
        D: Dimension,
    {
        // The f64 kernel on widened values: one rounding, vectorized.
        let mut out = a.to_owned();
        match out.as_slice_memory_order_mut() {
            Some(xs) => kernel.apply_f32(xs),
            None => out.mapv_inplace(|x| kernel.scalar(f64::from(x)) as f32),
        }
        out
    }
}

/// `v` as the float type `F` (shorthand for rules' constants).
#[inline]
pub fn cst<F: Float>(v: f64) -> F {
    F::of_f64(v)
}
