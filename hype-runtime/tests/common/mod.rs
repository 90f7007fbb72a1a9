//! Shared helpers of the rule tests: values of any shape seen as flat vectors, sampling
//! in a domain, central finite differences along a line, and the standard checks of a
//! (jvp, vjp) rule pair against the primal.
#![allow(dead_code)]

use ndarray::{Array, ArrayD, Dimension, IxDyn};
use rand::rngs::StdRng;
use rand::Rng;
use std::fmt::Debug;

/// A test value (`f64` or an owned array) seen as a shape and a flat vector.
pub trait Probe: Clone + Debug {
    /// All scalars in logical order.
    fn flat(&self) -> Vec<f64>;
    /// The shape (`[]` for `f64`).
    fn shape_of(&self) -> Vec<usize>;
    /// A value of shape `shape` holding `data`.
    fn build(shape: &[usize], data: Vec<f64>) -> Self;
    /// A value shaped like `self` holding `data`.
    fn with_flat(&self, data: Vec<f64>) -> Self {
        Self::build(&self.shape_of(), data)
    }
}

impl Probe for f64 {
    fn flat(&self) -> Vec<f64> {
        vec![*self]
    }
    fn shape_of(&self) -> Vec<usize> {
        vec![]
    }
    fn build(shape: &[usize], data: Vec<f64>) -> Self {
        assert!(
            shape.is_empty() && data.len() == 1,
            "bad scalar shape {shape:?}"
        );
        data[0]
    }
}

impl<D: Dimension> Probe for Array<f64, D> {
    fn flat(&self) -> Vec<f64> {
        self.iter().copied().collect()
    }
    fn shape_of(&self) -> Vec<usize> {
        self.shape().to_vec()
    }
    fn build(shape: &[usize], data: Vec<f64>) -> Self {
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .expect("shape and data agree")
            .into_dimensionality::<D>()
            .expect("dimension agrees")
    }
}

/// Where to sample values.
#[derive(Clone, Copy, Debug)]
pub enum Dom {
    /// Uniform in `[lo, hi]`.
    Range(f64, f64),
    /// `|x|` uniform in `[lo, hi]`, random sign (away from zero).
    Signed(f64, f64),
    /// `offset + k * spacing` for integers `k` in `[-k_max, k_max]` (kink-free pairs).
    Grid {
        offset: f64,
        spacing: f64,
        k_max: i32,
    },
}

/// One sample from `dom`.
pub fn sample_f64(rng: &mut StdRng, dom: Dom) -> f64 {
    match dom {
        Dom::Range(lo, hi) => rng.gen_range(lo..=hi),
        Dom::Signed(lo, hi) => {
            let x = rng.gen_range(lo..=hi);
            if rng.gen_bool(0.5) {
                x
            } else {
                -x
            }
        }
        Dom::Grid {
            offset,
            spacing,
            k_max,
        } => offset + spacing * f64::from(rng.gen_range(-k_max..=k_max)),
    }
}

/// A value of shape `shape` with elements sampled from `dom`.
pub fn sample<X: Probe>(rng: &mut StdRng, shape: &[usize], dom: Dom) -> X {
    let n: usize = shape.iter().product();
    X::build(shape, (0..n).map(|_| sample_f64(rng, dom)).collect())
}

/// A random direction shaped like `x` (elements in `[-1, 1]`).
pub fn direction<X: Probe>(rng: &mut StdRng, x: &X) -> X {
    sample(rng, &x.shape_of(), Dom::Range(-1.0, 1.0))
}

/// `x + t v`.
pub fn plus<X: Probe>(x: &X, t: f64, v: &X) -> X {
    assert_eq!(x.shape_of(), v.shape_of(), "plus: shapes differ");
    x.with_flat(
        x.flat()
            .iter()
            .zip(v.flat())
            .map(|(a, b)| a + t * b)
            .collect(),
    )
}

/// Elementwise product of flat vectors.
pub fn times(a: &[f64], b: &[f64]) -> Vec<f64> {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x * y).collect()
}

/// `<a, b>` over flat vectors.
pub fn dot<X: Probe>(a: &X, b: &X) -> f64 {
    assert_eq!(a.shape_of(), b.shape_of(), "dot: shapes differ");
    a.flat().iter().zip(b.flat()).map(|(x, y)| x * y).sum()
}

/// Euclidean norm.
pub fn norm<X: Probe>(a: &X) -> f64 {
    dot(a, a).sqrt()
}

/// Finite-difference step.
pub const H: f64 = 1e-6;
/// Tolerance of finite-difference comparisons (relative and absolute).
pub const FD_TOL: f64 = 1e-6;
/// Tolerance of the dot-product test (relative to the Cauchy-Schwarz bound).
pub const DOT_TOL: f64 = 1e-10;

/// Central finite difference `(g(h) - g(-h)) / 2h` of a function of one real.
pub fn fd_line<Y: Probe>(g: impl Fn(f64) -> Y) -> Y {
    let p = g(H);
    let m = g(-H);
    assert_eq!(p.shape_of(), m.shape_of(), "fd_line: shapes differ");
    p.with_flat(
        p.flat()
            .iter()
            .zip(m.flat())
            .map(|(a, b)| (a - b) / (2.0 * H))
            .collect(),
    )
}

/// Asserts `got` and `want` agree elementwise within `tol` (relative and absolute).
#[track_caller]
pub fn assert_close<Y: Probe>(what: &str, got: &Y, want: &Y, tol: f64) {
    assert_eq!(got.shape_of(), want.shape_of(), "{what}: shapes differ");
    assert_flat_close(what, &got.flat(), &want.flat(), tol);
}

/// Asserts two flat vectors agree elementwise within `tol` (relative and absolute).
#[track_caller]
pub fn assert_flat_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let scale = 1.0 + g.abs().max(w.abs());
        assert!(
            (g - w).abs() <= tol * scale,
            "{what}: element {i}: got {g}, want {w} (tolerance {tol})\n got:  {got:?}\n want: {want:?}"
        );
    }
}

/// Asserts two scalars agree within `tol * (1 + scale)`.
#[track_caller]
pub fn assert_scalar(what: &str, got: f64, want: f64, tol: f64, scale: f64) {
    assert!(
        (got - want).abs() <= tol * (1.0 + scale),
        "{what}: got {got}, want {want} (tolerance {tol}, scale {scale})"
    );
}

/// `x` broadcast (NumPy rules) to `shape`, flattened.
pub fn bcast_flat<X: Probe>(x: &X, shape: &[usize]) -> Vec<f64> {
    let a = ArrayD::from_shape_vec(IxDyn(&x.shape_of()), x.flat()).expect("shape");
    a.broadcast(IxDyn(shape))
        .unwrap_or_else(|| panic!("cannot broadcast {:?} to {shape:?}", x.shape_of()))
        .iter()
        .copied()
        .collect()
}

/// The checks of one argument's rule pair: `jvp` against finite differences of `f`,
/// `vjp` against finite differences (through a random cotangent `w`), and the
/// dot-product test `<jvp(v), w> = <v, vjp(w)>`.
#[track_caller]
pub fn check_pair<X: Probe, Y: Probe>(
    what: &str,
    f: &dyn Fn(&X) -> Y,
    jvp: &dyn Fn(&X, &Y, &X) -> Y,
    vjp: &dyn Fn(&X, &Y, &Y) -> X,
    x: &X,
    v: &X,
    w: &Y,
) {
    let r = f(x);
    let fd = fd_line(|t| f(&plus(x, t, v)));
    let jv = jvp(x, &r, v);
    assert_close(
        &format!("{what}: jvp vs finite differences"),
        &jv,
        &fd,
        FD_TOL,
    );

    let vj = vjp(x, &r, w);
    assert_eq!(vj.shape_of(), x.shape_of(), "{what}: vjp shape");
    let lhs = dot(&vj, v);
    let rhs = dot(w, &fd);
    assert_scalar(
        &format!("{what}: <vjp(w), v> vs <w, finite differences>"),
        lhs,
        rhs,
        FD_TOL,
        norm(&vj) * norm(v) + norm(w) * norm(&fd),
    );

    let a = dot(&jv, w);
    let b = dot(v, &vj);
    let bound = norm(&jv) * norm(w) + norm(v) * norm(&vj);
    assert!(
        (a - b).abs() <= DOT_TOL * bound + 1e-300,
        "{what}: dot-product test <Jv, w> = {a} but <v, J^T w> = {b}"
    );
}

/// Second-order check of a rule pair along a line `t -> (x(t), r(t))`: the finite
/// difference of `t -> jvp(x(t), r(t), v)` equals `want` (the second derivative applied
/// to `v` and the line's direction), and the finite difference of
/// `t -> vjp(x(t), r(t), w)` dotted with `v` equals `<w, want>`.
#[track_caller]
pub fn check_second<X: Probe, Y: Probe>(
    what: &str,
    jvp_line: &dyn Fn(f64) -> Y,
    vjp_line: &dyn Fn(f64) -> X,
    v: &X,
    w: &Y,
    want: &Y,
) {
    let got = fd_line(jvp_line);
    assert_close(
        &format!("{what}: derivative of the jvp rule"),
        &got,
        want,
        FD_TOL,
    );
    let gv = fd_line(vjp_line);
    assert_scalar(
        &format!("{what}: derivative of the vjp rule"),
        dot(&gv, v),
        dot(w, want),
        FD_TOL,
        norm(&gv) * norm(v) + norm(w) * norm(want),
    );
}

/// First- and second-order checks of a unary elementwise op on values of shape `shape`.
#[allow(clippy::too_many_arguments)]
pub fn check_unary<X: Probe>(
    name: &str,
    f: &dyn Fn(&X) -> X,
    jvp: &dyn Fn(&X, &X, &X) -> X,
    vjp: &dyn Fn(&X, &X, &X) -> X,
    scalar: &dyn Fn(f64) -> f64,
    d2: &dyn Fn(f64) -> f64,
    rng: &mut StdRng,
    shape: &[usize],
    dom: Dom,
) {
    let x: X = sample(rng, shape, dom);
    let v = direction(rng, &x);
    let w = direction(rng, &x);
    let v2 = direction(rng, &x);
    let what = format!("{name} on {shape:?} at {x:?}");

    let r = f(&x);
    assert_eq!(r.shape_of(), x.shape_of(), "{what}: result shape");
    let want: Vec<f64> = x.flat().into_iter().map(scalar).collect();
    assert_flat_close(&format!("{what}: primal"), &r.flat(), &want, 1e-15);

    check_pair(&what, f, jvp, vjp, &x, &v, &w);

    let vv2 = times(&v.flat(), &v2.flat());
    let want2 = x.with_flat(
        x.flat()
            .iter()
            .zip(&vv2)
            .map(|(&xi, p)| d2(xi) * p)
            .collect(),
    );
    let line = |t: f64| plus(&x, t, &v2);
    check_second(
        &what,
        &|t| {
            let xt = line(t);
            jvp(&xt, &f(&xt), &v)
        },
        &|t| {
            let xt = line(t);
            vjp(&xt, &f(&xt), &w)
        },
        &v,
        &w,
        &want2,
    );
}
