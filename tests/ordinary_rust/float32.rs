//! `f32` functions: the same body written once for `f32` and for `f64`; values,
//! gradients and Hessian-vector products agree within `f32` precision, and the `f64`
//! twin is itself checked against differences.

use crate::check::*;
use hype::prelude::*;

/// Defines `$f32(x: &Array1<f32>) -> f32` and `$f64(x: &Array1<f64>) -> f64` from one
/// body, and a test comparing them at orders 1 and 2.
macro_rules! twins {
    ($test:ident, $f32:ident, $f64:ident, |$x:ident| $body:block) => {
        #[differentiable(order = 2)]
        fn $f32($x: &Array1<f32>) -> f32 $body
        #[differentiable(order = 2)]
        fn $f64($x: &Array1<f64>) -> f64 $body

        #[test]
        fn $test() {
            let x64 = array![0.5, -1.5, 0.75];
            let x32 = x64.mapv(|v| v as f32);
            let v64 = array![0.25, 0.5, -1.0];
            let v32 = v64.mapv(|v| v as f32);
            let g64 = grad!($f64)(&x64);
            check_gradient(
                &|z| $f64(&a1(z)),
                g64.as_slice().unwrap(),
                &|d| jvp!($f64)(&x64, &a1(d)).1,
                x64.as_slice().unwrap(),
            );
            let close = |what: &str, a: f64, b: f64| {
                assert!((a - b).abs() <= 2e-4 * (1.0 + b.abs()), "{what}: f32 {a} vs f64 {b}");
            };
            close("value", $f32(&x32) as f64, $f64(&x64));
            let g32: Array1<f32> = grad!($f32)(&x32);
            let hv32: Array1<f32> = hvp!($f32)(&x32, &v32);
            let hv64 = hvp!($f64)(&x64, &v64);
            let (_, t32) = jvp!($f32)(&x32, &v32);
            close("jvp", t32 as f64, g64.dot(&v64));
            for i in 0..3 {
                close("gradient", g32[i] as f64, g64[i]);
                close("hvp", hv32[i] as f64, hv64[i]);
            }
        }
    };
}

twins!(f32_elementwise_and_reductions, ew32, ew64, |x| {
    let y = x.mapv(|v| v.tanh()) * 2.0 + 0.5;
    (y.dot(x) + x.exp().sum() * 0.25 - x.mean().unwrap()).sin()
});

twins!(f32_scalar_loop, loop32, loop64, |x| {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i] * 0.5 + x[i].sin();
        if s > 1.0 {
            s = s.sqrt();
        }
    }
    s * x[0]
});

twins!(f32_ops_functions, ops32, ops64, |x| {
    let a = ops::sigmoid(x);
    a.sum() + a.dot(x).ln_1p() + ops::softplus(x).dot(&a)
});

#[differentiable(order = 2)]
fn iter32(x: &Array1<f32>) -> f32 {
    let s: f32 = x.iter().map(|v| v * v).sum();
    let p = x.iter().fold(1.0, |acc, v| acc * v.cos());
    s * p
}

#[differentiable(order = 2)]
fn iter64(x: &Array1<f64>) -> f64 {
    let s: f64 = x.iter().map(|v| v * v).sum();
    let p = x.iter().fold(1.0, |acc, v| acc * v.cos());
    s * p
}

#[test]
fn f32_iterator_reductions() {
    let x64 = array![0.5, -1.5, 0.75];
    let g32 = grad!(iter32)(&x64.mapv(|v| v as f32));
    let g64 = grad!(iter64)(&x64);
    for i in 0..3 {
        assert!((g32[i] as f64 - g64[i]).abs() < 2e-4 * (1.0 + g64[i].abs()));
    }
}

#[differentiable]
fn scalar32(x: f32, y: f32) -> f32 {
    (x * y).sin() + x.exp() * 0.5 - y.powi(3) / 3.0
}

#[test]
fn f32_scalars() {
    let (gx, gy) = grad!(scalar32)(0.5, -1.25);
    let (x, y) = (0.5f64, -1.25f64);
    let ex = y * (x * y).cos() + x.exp() * 0.5;
    let ey = x * (x * y).cos() - y * y;
    assert!(
        (gx as f64 - ex).abs() < 1e-5 && (gy as f64 - ey).abs() < 1e-5,
        "{gx} {gy}"
    );
}
