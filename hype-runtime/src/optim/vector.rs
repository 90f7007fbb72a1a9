//! Vector arithmetic on any [`Tangent`] type, for the optimizers.
//!
//! Linear operations (`-g`, `x + a p`, norms) use the [`Tangent`] operations only, so
//! the update steps built from them can later be differentiated like any other code
//! on tangents. The elementwise nonlinear operations the adaptive learning rates need
//! (squares, square roots, quotients) go through the flat representation
//! ([`Tangent::flatten`] / [`Tangent::rebuild`]), RFHO-style.

use crate::tangent::Tangent;
use ndarray::Array1;

/// `-g`.
pub fn neg<P: Tangent>(g: &P) -> P {
    let mut p = g.clone();
    p.scale(-1.0);
    p
}

/// `x + a p`.
pub fn add_scaled<P: Tangent>(x: &P, a: f64, p: &P) -> P {
    let mut y = x.clone();
    y.axpy(a, p);
    y
}

/// `a x + b y`.
pub fn lincomb<P: Tangent>(a: f64, x: &P, b: f64, y: &P) -> P {
    let mut z = x.clone();
    z.scale(a);
    z.axpy(b, y);
    z
}

/// The Euclidean norm `sqrt(<x, x>)`.
pub fn norm<P: Tangent>(x: &P) -> f64 {
    x.inner(x).sqrt()
}

/// `f` applied to the scalars of `a` and `b` pairwise (same shape).
pub fn zip_map<P: Tangent>(a: &P, b: &P, f: impl Fn(f64, f64) -> f64) -> P {
    let fa = a.flatten();
    let fb = b.flatten();
    assert_eq!(
        fa.len(),
        fb.len(),
        "hype::optim: values of {} and {} scalars combined elementwise",
        fa.len(),
        fb.len()
    );
    let out: Array1<f64> = fa.iter().zip(fb.iter()).map(|(&x, &y)| f(x, y)).collect();
    a.rebuild(&out)
        .expect("hype::optim: a flat vector keeps the length of its value")
}

/// Whether every scalar of `x` is finite.
pub fn all_finite<P: Tangent>(x: &P) -> bool {
    x.flatten().iter().all(|v| v.is_finite())
}
