//! Helpers of the primitive contract test (`hype::__primitive_contract!()`): sample
//! directions, central differences and the comparisons, over any [`Tangent`] value.

use crate::Tangent;
use ndarray::Array1;

/// A deterministic direction shaped like `like`, entries in [-1, 1].
pub fn direction<T: Tangent>(like: &T, seed: u64) -> T {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let n = like.flat_len();
    let flat: Array1<f64> = (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect();
    like.rebuild(&flat)
        .expect("the flat direction has the value's length")
}

/// `(f(h) - f(-h)) / 2h` with `h = 1e-6`.
pub fn central<T: Tangent>(f: impl Fn(f64) -> T) -> T {
    let h = 1e-6;
    let mut up = f(h);
    up.axpy(-1.0, &f(-h));
    up.scale(0.5 / h);
    up
}

/// Asserts that two values agree elementwise to `tol`, relative to their magnitude.
#[track_caller]
pub fn assert_close<T: Tangent>(what: &str, a: &T, b: &T, tol: f64) {
    let (fa, fb) = (a.flatten(), b.flatten());
    assert_eq!(
        fa.len(),
        fb.len(),
        "{what}: {} vs {} elements",
        fa.len(),
        fb.len()
    );
    for (i, (x, y)) in fa.iter().zip(fb.iter()).enumerate() {
        let scale = 1.0 + x.abs().max(y.abs());
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}: element {i}: {x} vs {y} (tolerance {tol})"
        );
    }
}

/// Asserts `<vjp, d> = <g, jvp>`: the adjoint rule is the transpose of the tangent rule.
#[track_caller]
pub fn assert_adjoint<A: Tangent, R: Tangent>(what: &str, vjp: &A, d: &A, g: &R, jvp: &R) {
    let (left, right) = (vjp.inner(d), g.inner(jvp));
    let scale = 1.0 + left.abs().max(right.abs());
    assert!(
        (left - right).abs() <= 1e-12 * scale,
        "{what}: adjoint rule is not the transpose of the tangent rule: <vjp, d> = {left}, <g, jvp> = {right}"
    );
}

/// An `f64` value (scalar or array) rounded to its `f32` counterpart, for the `f32`
/// half of the contract test.
pub trait ToF32 {
    /// The `f32` type of the same shape.
    type F32;
    /// Every element rounded to `f32`.
    fn to_f32_val(&self) -> Self::F32;
}

impl ToF32 for f64 {
    type F32 = f32;
    fn to_f32_val(&self) -> f32 {
        *self as f32
    }
}

impl<D: ndarray::Dimension> ToF32 for ndarray::Array<f64, D> {
    type F32 = ndarray::Array<f32, D>;
    fn to_f32_val(&self) -> ndarray::Array<f32, D> {
        self.mapv(|x| x as f32)
    }
}

/// `x` rounded to `f32` (see [`ToF32`]).
pub fn to_f32<T: ToF32>(x: &T) -> T::F32 {
    x.to_f32_val()
}

/// Asserts that a value of one float type agrees with one of another (`f32` against
/// `f64`) elementwise to `tol`, relative to their magnitude (same number of elements).
#[track_caller]
pub fn assert_close_across<A: Tangent, B: Tangent>(what: &str, a: &A, b: &B, tol: f64) {
    let (fa, fb) = (a.flatten(), b.flatten());
    assert_eq!(
        fa.len(),
        fb.len(),
        "{what}: {} vs {} elements",
        fa.len(),
        fb.len()
    );
    for (i, (x, y)) in fa.iter().zip(fb.iter()).enumerate() {
        let scale = 1.0 + x.abs().max(y.abs());
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}: element {i}: {x} vs {y} (tolerance {tol})"
        );
    }
}
