//! The calling convention between differentiated functions, and the entry points that
//! the user-facing operators build on.
//!
//! A `#[differentiable] fn f(a0: T0, .., an: Tn) -> R` gets siblings
//! * `f__fwd(a0, .., an, t0, .., tn) -> (R, R::Tangent)` where `t_k` is
//!   `&Tk::Tangent` for an active argument or [`Zero`] for a constant one;
//! * `f__rev(a0, .., an) -> (R, pullback)` where `pullback(&rbar)` gives one
//!   cotangent per parameter (a [`NoGrad`] for constant parameters).

use crate::tangent::{HasTangent, Tangent};
use crate::Float;
use ndarray::{Array1, Array2};

/// A tangent argument that is exactly zero (the caller's argument is a constant).
#[derive(Clone, Copy, Debug, Default)]
pub struct Zero;

/// The cotangent of a constant parameter: nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NoGrad;

/// What a caller may pass as the tangent of a parameter of type `V`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tangent for a parameter of type `{V}`",
    note = "pass a reference to the tangent (same type as the value, owned) or hype::rt::Zero"
)]
pub trait TangentArg<V: HasTangent + ?Sized> {
    /// The owned tangent, shaped like `like`.
    fn into_tangent(self, like: &V) -> V::Tangent;
}

impl<V: HasTangent + ?Sized> TangentArg<V> for &V::Tangent {
    #[inline]
    fn into_tangent(self, _like: &V) -> V::Tangent {
        self.clone()
    }
}

impl<V: HasTangent + ?Sized> TangentArg<V> for Zero {
    #[inline]
    fn into_tangent(self, like: &V) -> V::Tangent {
        like.zero_tangent()
    }
}

/// A cotangent returned by a pullback, for an argument whose adjoint slot holds `T`.
///
/// [`NoGrad`] (the cotangent of a `#[constant]` parameter) is deliberately not a
/// contribution: passing an active value where the callee declared a constant would
/// silently drop its derivative, so it is a compile error instead.
#[diagnostic::on_unimplemented(
    message = "an active value is passed to a `#[constant]` parameter: its derivative would be lost",
    label = "the called function declares this parameter #[constant]",
    note = "remove #[constant] from that parameter, or pass `hype::ops::stop_gradient(&value)` to drop the derivative on purpose"
)]
pub trait Contribution<T> {
    /// Adds `self` into the slot.
    fn add_into(self, slot: &mut Option<T>);
}

impl<T: Tangent> Contribution<T> for T {
    #[inline]
    fn add_into(self, slot: &mut Option<T>) {
        super::acc(slot, self)
    }
}

/// Adds a call's cotangent for one argument into that argument's adjoint slot.
#[inline]
pub fn acc_arg<T, C: Contribution<T>>(slot: &mut Option<T>, c: C) {
    c.add_into(slot)
}

/// Values that `grad!` can start from: scalar outputs.
#[diagnostic::on_unimplemented(
    message = "grad! needs a function that returns f64, but this one returns `{Self}`",
    note = "for a function with a vector or struct output use vjp!(f) and call the pullback with a cotangent, or jacobian!(f)"
)]
/// (`Marker` is always `()`: it only defers the check to the call of `grad!`.)
pub trait ScalarOutput<Marker = ()>: HasTangent {
    /// The seed `1` (not `one`, which generic float code calls as `T::one()`).
    fn unit_seed() -> Self::Tangent;
}

// One impl over the float types, so that generic float code (`T: Float`) has it.
impl<F: crate::Float> ScalarOutput for F {
    fn unit_seed() -> F {
        F::one()
    }
}

/// The seed `1` of a reverse sweep, typed by the output (`grad!` on a closure).
#[inline]
pub fn seed_like<V: ScalarOutput>(_value: &V) -> V::Tangent {
    V::unit_seed()
}

/// Inputs that `diff!` can differentiate with respect to: scalars.
#[diagnostic::on_unimplemented(
    message = "diff! needs a function of one scalar (f64) parameter, but the active parameter is `{Self}`",
    note = "for array parameters use grad!, gradv! (directional derivative) or jvp!"
)]
pub trait ScalarInput: HasTangent {
    /// The unit tangent `1`.
    fn unit() -> Self::Tangent;
}

impl ScalarInput for f64 {
    fn unit() -> f64 {
        1.0
    }
}

impl ScalarInput for f32 {
    fn unit() -> f32 {
        1.0
    }
}

impl<T: ScalarInput + ?Sized> ScalarInput for &T {
    fn unit() -> T::Tangent {
        T::unit()
    }
}

/// The unit tangent of a scalar input.
#[inline]
pub fn unit_tangent<V: ScalarInput + ?Sized>(_x: &V) -> V::Tangent {
    V::unit()
}

/// The Jacobian (rows: output scalars, columns: input scalars, in flat order) from a
/// tangent map and a cotangent map: forward mode when there are no more inputs than
/// outputs, reverse mode otherwise.
/// Entries are computed in `f64` (the tangents' flat form) and given the function's
/// float type `F`.
pub fn jacobian<X, Y, F: Float>(
    x: &X,
    fwd: impl Fn(&X::Tangent) -> Y::Tangent,
    rev: impl Fn(&Y::Tangent) -> X::Tangent,
    y: &Y,
) -> Array2<F>
where
    X: HasTangent + ?Sized,
    Y: HasTangent + ?Sized,
{
    let xt = x.zero_tangent();
    let yt = y.zero_tangent();
    let (n, m) = (xt.flat_len(), yt.flat_len());
    let mut j = Array2::zeros((m, n));
    if n <= m {
        for i in 0..n {
            let mut e = Array1::zeros(n);
            e[i] = 1.0;
            let dx = xt.rebuild(&e).expect("basis vector has the input's length");
            let col = fwd(&dx).flatten();
            j.column_mut(i).assign(&col.mapv(F::of_f64));
        }
    } else {
        for i in 0..m {
            let mut e = Array1::zeros(m);
            e[i] = 1.0;
            let g = yt
                .rebuild(&e)
                .expect("basis vector has the output's length");
            let row = rev(&g).flatten();
            j.row_mut(i).assign(&row.mapv(F::of_f64));
        }
    }
    j
}

/// The Hessian of a scalar function at `x` (rows and columns in the flat order of
/// `x`'s tangent) from its Hessian-vector products, one per input coordinate.
pub fn hessian<X, F: Float>(x: &X, hvp: impl Fn(&X::Tangent) -> X::Tangent) -> Array2<F>
where
    X: HasTangent + ?Sized,
{
    let xt = x.zero_tangent();
    let n = xt.flat_len();
    let mut h = Array2::zeros((n, n));
    for i in 0..n {
        let mut e = Array1::zeros(n);
        e[i] = 1.0;
        let v = xt.rebuild(&e).expect("basis vector has the input's length");
        h.column_mut(i).assign(&hvp(&v).flatten().mapv(F::of_f64));
    }
    h
}

/// The trace of a square matrix (the Laplacian from a Hessian, the divergence from a
/// Jacobian).
pub fn trace<F: Float>(m: &Array2<F>) -> F {
    m.diag().sum()
}

/// The curl of a vector field in three dimensions from its Jacobian `J[i][j] = ∂f_i/∂x_j`.
///
/// # Panics
/// If the Jacobian is not 3 × 3.
pub fn curl<F: Float>(j: &Array2<F>) -> Array1<F> {
    if j.dim() != (3, 3) {
        panic!(
            "hype: `curl!` needs a field from 3 to 3 dimensions; its Jacobian is {:?}",
            j.shape()
        );
    }
    ndarray::array![
        j[[2, 1]] - j[[1, 2]],
        j[[0, 2]] - j[[2, 0]],
        j[[1, 0]] - j[[0, 1]]
    ]
}
