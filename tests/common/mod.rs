//! Finite differences for the transform tests.
#![allow(dead_code)]

use hype::prelude::*;

/// Central finite-difference gradient of a scalar function of a vector.
pub fn fd_grad(f: impl Fn(&Array1<f64>) -> f64, x: &Array1<f64>) -> Array1<f64> {
    let h = 1e-6;
    let mut g = Array1::zeros(x.len());
    for i in 0..x.len() {
        let mut xp = x.clone();
        let mut xm = x.clone();
        xp[i] += h;
        xm[i] -= h;
        g[i] = (f(&xp) - f(&xm)) / (2.0 * h);
    }
    g
}

/// Central finite-difference derivative of a scalar function.
pub fn fd_diff(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Asserts closeness with a tolerance relative to the magnitude.
#[track_caller]
pub fn assert_close(a: f64, b: f64, tol: f64) {
    let scale = 1.0 + a.abs().max(b.abs());
    assert!((a - b).abs() <= tol * scale, "{a} vs {b} (tol {tol})");
}

#[track_caller]
pub fn assert_all_close(a: &Array1<f64>, b: &Array1<f64>, tol: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b.iter()) {
        assert_close(*x, *y, tol);
    }
}

/// Checks grad! (reverse) against `fd` and `jvp!` (forward) in every basis direction.
pub fn check_vector_fn(
    f: impl Fn(&Array1<f64>) -> f64,
    grad: impl Fn(&Array1<f64>) -> Array1<f64>,
    jvp: impl Fn(&Array1<f64>, &Array1<f64>) -> (f64, f64),
    x: &Array1<f64>,
    tol: f64,
) {
    let g = grad(x);
    assert_all_close(&g, &fd_grad(&f, x), tol);
    for i in 0..x.len() {
        let mut e = Array1::zeros(x.len());
        e[i] = 1.0;
        let (v, d) = jvp(x, &e);
        assert_close(v, f(x), 1e-14);
        assert_close(d, g[i], 1e-12);
    }
}
