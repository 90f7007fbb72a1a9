//! Functions generic over the float type (`fn f<T: Float>(..)`): one definition,
//! differentiated at `f64` (against differences, forward against reverse, `hvp!`
//! against differences of `grad!`) and at `f32` (against the `f64` instance).

use crate::check::*;
use hype::prelude::*;
use hype::Float;

/// Checks the generic `$f(x: &Array1<T>) -> T` at `f64` and `f32`, orders 1 and 2.
macro_rules! generic_test {
    ($test:ident, $f:ident) => {
        #[test]
        fn $test() {
            let x64 = array![0.5, -1.5, 0.75];
            let v64 = array![0.25, 0.5, -1.0];
            let g64: Array1<f64> = grad!($f)(&x64);
            check_gradient(
                &|z| $f(&a1(z)),
                g64.as_slice().unwrap(),
                &|d| jvp!($f)(&x64, &a1(d)).1,
                x64.as_slice().unwrap(),
            );
            let hv64: Array1<f64> = hvp!($f)(&x64, &v64);
            check_hvp(
                &|z| grad!($f)(&a1(z)).to_vec(),
                hv64.as_slice().unwrap(),
                x64.as_slice().unwrap(),
                v64.as_slice().unwrap(),
            );
            let (x32, v32) = (x64.mapv(|v| v as f32), v64.mapv(|v| v as f32));
            let close = |what: &str, a: f32, b: f64| {
                let a = a as f64;
                assert!(
                    (a - b).abs() <= 2e-4 * (1.0 + b.abs()),
                    "{what}: f32 {a} vs f64 {b}"
                );
            };
            close("value", $f(&x32), $f(&x64));
            let g32: Array1<f32> = grad!($f)(&x32);
            let hv32: Array1<f32> = hvp!($f)(&x32, &v32);
            for i in 0..3 {
                close("gradient", g32[i], g64[i]);
                close("hvp", hv32[i], hv64[i]);
            }
        }
    };
}

#[differentiable(order = 2)]
fn elementwise<T: Float>(x: &Array1<T>) -> T {
    let y = x.mapv(|v| v.tanh()) * T::of_f64(2.0);
    (y.dot(x) + x.exp().sum() * T::of_f64(0.25) - x.mean().unwrap()).sin()
}
generic_test!(generic_elementwise_and_reductions, elementwise);

#[differentiable(order = 2)]
fn scalar_loop<T: Float>(x: &Array1<T>) -> T {
    let mut s = T::zero();
    for i in 0..x.len() {
        s += x[i] * x[i] * T::of_f64(0.5) + x[i].sin();
        if s > T::one() {
            s = s.sqrt();
        }
    }
    s * x[0] + x[2].powi(3)
}
generic_test!(generic_scalar_loop, scalar_loop);

#[differentiable(order = 2)]
fn inner<T: Float>(a: T, b: T) -> T {
    a * b.sin() + (a * b).exp()
}

/// A generic function calling another: the callee is instantiated at the caller's `T`.
#[differentiable(order = 2)]
fn calls_generic<T>(x: &Array1<T>) -> T
where
    T: Float,
{
    inner(x[0], x[1]) * inner(x[2], x[0])
}
generic_test!(generic_calls_generic, calls_generic);

#[differentiable(order = 2)]
fn iterators<T: Float>(x: &Array1<T>) -> T {
    let s = x.iter().fold(T::zero(), |acc, v| acc + *v * *v);
    let w = x.iter().enumerate().fold(T::zero(), |acc, (i, v)| {
        acc + T::of_f64(i as f64 + 1.0) * v.cos()
    });
    s * w
}
generic_test!(generic_iterators, iterators);

/// Two parameters, one scalar: gradients come as a pair of the parameters' types.
#[differentiable(order = 2)]
fn scaled_norm<T: Float>(a: T, x: &Array1<T>) -> T {
    (a * a + x.dot(x)).sqrt() * a.tanh()
}

#[test]
fn generic_scalar_and_array_parameters() {
    let x = array![0.3, -0.7];
    let a = 0.9;
    let (ga, gx): (f64, Array1<f64>) = grad!(scaled_norm)(a, &x);
    assert_close(
        "d/da",
        ga,
        fd_grad(&|z| scaled_norm(z[0], &x), &[a])[0],
        1e-6,
    );
    assert_all_close(
        "d/dx",
        gx.as_slice().unwrap(),
        &fd_grad(&|z| scaled_norm(a, &a1(z)), x.as_slice().unwrap()),
        1e-6,
    );
    let (ga32, gx32): (f32, Array1<f32>) = grad!(scaled_norm)(a as f32, &x.mapv(|v| v as f32));
    assert!((ga32 as f64 - ga).abs() < 1e-5 && (gx32[1] as f64 - gx[1]).abs() < 1e-5);
    let d2: f64 = diff2!(|a: f64| scaled_norm(a, &x))(a);
    let h = 1e-4;
    let fd = (grad!(scaled_norm)(a + h, &x).0 - grad!(scaled_norm)(a - h, &x).0) / (2.0 * h);
    assert_close("second derivative in a", d2, fd, 1e-6);
}

/// An array output: its tangent type is written out in the derivative code (a
/// projection over `T` there broke rustc's optimized builds of libraries).
#[differentiable(order = 2)]
fn squash<T: Float>(x: &Array1<T>) -> Array1<T> {
    x.mapv(|v| v.tanh()) * T::of_f64(2.0)
}

#[test]
fn generic_array_output() {
    let x = array![0.5, -1.5, 0.75];
    let j: Array2<f64> = jacobian!(squash)(&x);
    let j32: Array2<f32> = jacobian!(squash)(&x.mapv(|v| v as f32));
    for i in 0..3 {
        for k in 0..3 {
            let exact = if i == k {
                2.0 * (1.0 - x[i].tanh().powi(2))
            } else {
                0.0
            };
            assert_close("jacobian", j[[i, k]], exact, 1e-12);
            assert_close("jacobian f32", j32[[i, k]] as f64, exact, 1e-5);
        }
    }
}
