//! Checks shared by the programs: everything is flattened to `Vec<f64>`.
#![allow(dead_code)]

/// Central differences of `f` at `x`.
pub fn fd_grad(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    (0..x.len())
        .map(|i| {
            let mut up = x.to_vec();
            let mut down = x.to_vec();
            up[i] += h;
            down[i] -= h;
            (f(&up) - f(&down)) / (2.0 * h)
        })
        .collect()
}

#[track_caller]
pub fn assert_close(what: &str, a: f64, b: f64, tol: f64) {
    let scale = 1.0 + a.abs().max(b.abs());
    assert!(
        (a - b).abs() <= tol * scale,
        "{what}: {a} vs {b} (tolerance {tol})"
    );
}

#[track_caller]
pub fn assert_all_close(what: &str, a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert_close(&format!("{what}[{i}]"), *x, *y, tol);
    }
}

/// The gradient `g` (flattened) against differences of `f`, and every directional
/// derivative `jvp(e_i)` against `g[i]`.
#[track_caller]
pub fn check_gradient(
    f: &dyn Fn(&[f64]) -> f64,
    g: &[f64],
    jvp: &dyn Fn(&[f64]) -> f64,
    x: &[f64],
) {
    assert_all_close("gradient vs differences", g, &fd_grad(f, x), 1e-6);
    for i in 0..x.len() {
        let mut e = vec![0.0; x.len()];
        e[i] = 1.0;
        assert_close("forward vs reverse", jvp(&e), g[i], 1e-12);
    }
}

/// A Hessian-vector product `hv` against differences of the gradient along `v`.
#[track_caller]
pub fn check_hvp(grad: &dyn Fn(&[f64]) -> Vec<f64>, hv: &[f64], x: &[f64], v: &[f64]) {
    let h = 1e-5;
    let up: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
    let down: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
    let (gu, gd) = (grad(&up), grad(&down));
    let fd: Vec<f64> = gu
        .iter()
        .zip(&gd)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    assert_all_close("hvp vs differences of grad", hv, &fd, 1e-6);
}

/// An `Array1` from a slice.
pub fn a1(x: &[f64]) -> hype::ndarray::Array1<f64> {
    hype::ndarray::Array1::from(x.to_vec())
}

/// Checks a function of one `Array1` at order 1 and, through `hvp!`, order 2.
#[macro_export]
macro_rules! array_fn_test {
    ($test:ident, $f:ident, [$($x:expr),*]) => {
        #[test]
        fn $test() {
            let x = array![$($x),*];
            let g = grad!($f)(&x);
            check_gradient(
                &|z| $f(&a1(z)),
                g.as_slice().unwrap(),
                &|d| jvp!($f)(&x, &a1(d)).1,
                x.as_slice().unwrap(),
            );
            let v = x.mapv(|t| 0.5 - t * 0.25);
            let hv = hvp!($f)(&x, &v);
            check_hvp(
                &|z| grad!($f)(&a1(z)).to_vec(),
                hv.as_slice().unwrap(),
                x.as_slice().unwrap(),
                v.as_slice().unwrap(),
            );
        }
    };
}
