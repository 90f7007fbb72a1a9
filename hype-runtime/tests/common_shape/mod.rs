//! Test helpers for the linalg/reduction/shape rules: proptest strategies for random
//! shapes (sizes 1..7) and values, central finite differences through the `Tangent`
//! flat representation, and the checks every rule must pass.

#![allow(dead_code)]

use hype_runtime::Tangent;
use ndarray::{Array1, Array2};
use proptest::prelude::*;

/// Values drawn for array elements.
pub const LO: f64 = -2.0;
/// Values drawn for array elements.
pub const HI: f64 = 2.0;

/// A size in `1..7`.
pub fn size() -> impl Strategy<Value = usize> {
    1usize..7
}

/// A vector of length `n` with random values.
pub fn vec1(n: usize) -> impl Strategy<Value = Array1<f64>> {
    prop::collection::vec(LO..HI, n).prop_map(Array1::from_vec)
}

/// A matrix of shape `(m, n)` with random values.
pub fn mat(m: usize, n: usize) -> impl Strategy<Value = Array2<f64>> {
    prop::collection::vec(LO..HI, m * n)
        .prop_map(move |v| Array2::from_shape_vec((m, n), v).expect("length m*n"))
}

/// A random scalar.
pub fn scalar() -> impl Strategy<Value = f64> {
    LO..HI
}

/// Step of the central differences. The ops under test are linear in each argument
/// (or smooth of low degree), so the truncation error is tiny and rounding dominates.
pub const H: f64 = 1e-4;

/// Central finite difference of `f` at `x` in direction `dx`.
pub fn fd_jvp<X: Tangent, Y: Tangent>(f: impl Fn(&X) -> Y, x: &X, dx: &X) -> Y {
    let mut xp = x.clone();
    xp.axpy(H, dx);
    let mut xm = x.clone();
    xm.axpy(-H, dx);
    let mut d = f(&xp);
    d.axpy(-1.0, &f(&xm));
    d.scale(0.5 / H);
    d
}

/// Gradient of `x ↦ <g, f(x)>` by central differences along every coordinate of `x`.
pub fn fd_vjp<X: Tangent, Y: Tangent>(f: impl Fn(&X) -> Y, x: &X, g: &Y) -> X {
    let n = x.flat_len();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut e = Array1::zeros(n);
        e[i] = 1.0;
        let dx = x.rebuild(&e).expect("length n");
        out.push(g.inner(&fd_jvp(&f, x, &dx)));
    }
    x.rebuild(&Array1::from_vec(out)).expect("length n")
}

/// Largest absolute value of the scalars of `t` (at least 1).
pub fn scale_of<T: Tangent>(t: &T) -> f64 {
    t.flatten().iter().fold(1.0f64, |m, v| m.max(v.abs()))
}

/// Asserts that two tangents have the same flat length and agree to `tol`, relative to
/// the larger magnitude of the two (at least 1).
#[track_caller]
pub fn assert_close<T: Tangent + std::fmt::Debug>(what: &str, got: &T, want: &T, tol: f64) {
    let (a, b) = (got.flatten(), want.flatten());
    assert_eq!(
        a.len(),
        b.len(),
        "{what}: lengths differ: {got:?} vs {want:?}"
    );
    let s = scale_of(got).max(scale_of(want));
    for (x, y) in a.iter().zip(b.iter()) {
        assert!(
            (x - y).abs() <= tol * s,
            "{what}: {x} vs {y} (tol {tol} × scale {s})\n got: {got:?}\nwant: {want:?}"
        );
    }
}

/// Asserts that two tangents are equal exactly (same shape, same values).
#[track_caller]
pub fn assert_exact<T: Tangent + std::fmt::Debug>(what: &str, got: &T, want: &T) {
    assert_eq!(got.flatten(), want.flatten(), "{what}: {got:?} vs {want:?}");
}

/// Tolerance of a finite-difference comparison.
pub const FD_TOL: f64 = 1e-7;
/// Tolerance of the dot-product test `<J v, w> = <v, Jᵀ w>`.
pub const DOT_TOL: f64 = 1e-10;

/// Checks a tangent rule `jvp(dx)` and an adjoint rule `vjp(g)` of `f` at `x`:
/// * `jvp(dx)` equals the central difference of `f` along `dx`;
/// * `vjp(g)` equals the finite-difference gradient of `<g, f(x)>`;
/// * `<jvp(dx), g> = <dx, vjp(g)>` to `DOT_TOL` relative.
#[track_caller]
pub fn check_rules<X, Y>(
    name: &str,
    f: impl Fn(&X) -> Y,
    jvp: impl Fn(&X) -> Y,
    vjp: impl Fn(&Y) -> X,
    x: &X,
    dx: &X,
    g: &Y,
) where
    X: Tangent + std::fmt::Debug,
    Y: Tangent + std::fmt::Debug,
{
    let j = jvp(dx);
    assert_close(
        &format!("{name}: jvp vs finite differences"),
        &j,
        &fd_jvp(&f, x, dx),
        FD_TOL,
    );
    let v = vjp(g);
    assert_close(
        &format!("{name}: vjp vs finite differences"),
        &v,
        &fd_vjp(&f, x, g),
        FD_TOL,
    );
    let lhs = j.inner(g);
    let rhs = dx.inner(&v);
    let s = lhs
        .abs()
        .max(rhs.abs())
        .max(scale_of(&j) * scale_of(g))
        .max(1.0);
    assert!(
        (lhs - rhs).abs() <= DOT_TOL * s,
        "{name}: dot-product test <J v, w> = {lhs} vs <v, J^T w> = {rhs}"
    );
}

/// Checks an accumulating adjoint: into `None` it gives `vjp`, into `Some(prev)` it
/// gives `prev + vjp`.
#[track_caller]
pub fn check_acc<T: Tangent + std::fmt::Debug>(
    name: &str,
    acc: impl Fn(&mut Option<T>),
    vjp: &T,
    prev: &T,
) {
    let mut slot = None;
    acc(&mut slot);
    assert_close(
        &format!("{name}: into None"),
        slot.as_ref().expect("filled"),
        vjp,
        1e-12,
    );
    let mut slot = Some(prev.clone());
    acc(&mut slot);
    let mut want = prev.clone();
    want.add_assign_tangent(vjp);
    assert_close(
        &format!("{name}: into Some"),
        slot.as_ref().expect("kept"),
        &want,
        1e-12,
    );
}
