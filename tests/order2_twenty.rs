//! Twenty `#[differentiable(order = 2)]` functions, the subject of the compile-time
//! measurement of benches/HISTORY.md ("Compile time"), each with its Hessian checked
//! against central differences of its gradient.
//!
//! Measure: `touch tests/order2_twenty.rs && time cargo test --test order2_twenty --no-run`
//! (incremental), and after `rm -rf target/debug/deps/order2_twenty-*
//! target/debug/incremental/order2_twenty-*` (this crate from scratch, dependencies built).

mod common;
use common::*;
use hype::prelude::*;

#[differentiable(order = 2)]
fn f01(x: &Array1<f64>) -> f64 {
    x.dot(x) * 0.5
}

#[differentiable(order = 2)]
fn f02(x: &Array1<f64>) -> f64 {
    x.sin().sum()
}

#[differentiable(order = 2)]
fn f03(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

#[differentiable(order = 2)]
fn f04(x: &Array1<f64>) -> f64 {
    ops::logsumexp(x)
}

#[differentiable(order = 2)]
fn f05(x: &Array1<f64>) -> f64 {
    let z = x * x;
    (z.exp() - 1.0).sum().ln()
}

#[differentiable(order = 2)]
fn f06(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            s += x[i].powi(3);
        } else {
            s -= x[i] * x[i];
        }
    }
    s
}

#[differentiable(order = 2)]
fn f07(x: &Array1<f64>) -> f64 {
    ops::sigmoid(x).sum()
}

#[differentiable(order = 2)]
fn f08(x: &Array1<f64>) -> f64 {
    ops::softplus(x).dot(x)
}

#[differentiable(order = 2)]
fn f09(x: &Array1<f64>) -> f64 {
    let mut y = x.clone();
    let mut k = 0;
    while k < 3 {
        y = ops::tanh(&y) + x;
        k += 1;
    }
    y.sum()
}

#[differentiable(order = 2)]
fn f10(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        s += (x[i] * x[(i + 1) % n]).cos();
    }
    s
}

#[differentiable(order = 2)]
fn f11(x: &Array1<f64>, #[constant] a: &Array2<f64>) -> f64 {
    let y = a.dot(x);
    y.dot(&ops::tanh(&y))
}

#[differentiable(order = 2)]
fn f12(x: &Array1<f64>) -> f64 {
    let m = x.sum() / x.len() as f64;
    let d = x - m;
    d.dot(&d).sqrt()
}

#[differentiable(order = 2)]
fn f13(x: &Array1<f64>) -> f64 {
    let (a, b) = (x[0], x[1]);
    (a * b).exp() + (a / (1.0 + b * b))
}

#[differentiable(order = 2)]
fn f14(x: &Array1<f64>) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p *= 1.0 + 0.1 * x[i];
    }
    p
}

#[differentiable(order = 2)]
fn f15(x: &Array1<f64>) -> f64 {
    ops::l2(x) + f01(x) * f02(x)
}

#[differentiable(order = 2)]
fn f16(x: &Array1<f64>) -> f64 {
    let y = array![x[0] * x[1], x[1] + x[2], x[2].sin()];
    y.dot(&y)
}

#[differentiable(order = 2)]
fn f17(x: &Array1<f64>) -> f64 {
    let s = f03(x);
    if s > 10.0 {
        s.sqrt()
    } else {
        s
    }
}

#[differentiable(order = 2)]
fn f18(x: &Array1<f64>) -> f64 {
    let mut acc = 0.0;
    for i in (0..x.len()).rev() {
        acc = acc * 0.5 + x[i].exp();
    }
    acc.ln()
}

#[differentiable(order = 2)]
fn f19(x: &Array1<f64>, #[constant] w: &Array1<f64>) -> f64 {
    let z = x * w;
    (z.exp().sum() + x.dot(w)).powf(1.5)
}

#[differentiable(order = 2)]
fn f20(x: &Array1<f64>) -> f64 {
    f04(x) + f07(x) * f12(x)
}

/// The Hessian against central differences of the gradient (1e-6 relative) and
/// symmetric.
fn check(
    name: &str,
    grad: impl Fn(&Array1<f64>) -> Array1<f64>,
    hess: impl Fn(&Array1<f64>) -> Array2<f64>,
) {
    let x = array![0.3, -0.7, 0.9, 0.2];
    let h = hess(&x);
    let eps = 1e-5;
    for j in 0..x.len() {
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[j] += eps;
        xm[j] -= eps;
        let col = (grad(&xp) - grad(&xm)) / (2.0 * eps);
        for i in 0..x.len() {
            let tol = 1e-6 * col[i].abs().max(1.0);
            assert!(
                (h[[i, j]] - col[i]).abs() < tol,
                "{name}: H[{i},{j}] = {} vs FD {}",
                h[[i, j]],
                col[i]
            );
            assert_close(h[[i, j]], h[[j, i]], 1e-10);
        }
    }
}

#[test]
fn twenty_hessians_match_finite_differences_of_gradients() {
    let a = Array2::from_shape_fn((3, 4), |(i, j)| 0.2 * (i as f64) - 0.1 * (j as f64) + 0.3);
    let w = array![0.5, -0.4, 0.3, 0.8];
    check("f01", grad!(f01), hessian!(f01));
    check("f02", grad!(f02), hessian!(f02));
    check("f03", grad!(f03), hessian!(f03));
    check("f04", grad!(f04), hessian!(f04));
    check("f05", grad!(f05), hessian!(f05));
    check("f06", grad!(f06), hessian!(f06));
    check("f07", grad!(f07), hessian!(f07));
    check("f08", grad!(f08), hessian!(f08));
    check("f09", grad!(f09), hessian!(f09));
    check("f10", grad!(f10), hessian!(f10));
    check("f11", |x| grad!(f11)(x, &a), |x| hessian!(f11)(x, &a));
    check("f12", grad!(f12), hessian!(f12));
    check("f13", grad!(f13), hessian!(f13));
    check("f14", grad!(f14), hessian!(f14));
    check("f15", grad!(f15), hessian!(f15));
    check("f16", grad!(f16), hessian!(f16));
    check("f17", grad!(f17), hessian!(f17));
    check("f18", grad!(f18), hessian!(f18));
    check("f19", |x| grad!(f19)(x, &w), |x| hessian!(f19)(x, &w));
    check("f20", grad!(f20), hessian!(f20));
}

/// Variables named like the emitters' derived names (`y_new`, `x_dot`, `s_bar`) of
/// other variables: renamed inside the derivative code, so nothing is shadowed.
#[differentiable]
fn derived_looking_names(x: f64) -> f64 {
    let mut y = x;
    let x_dot = 2.0 * x;
    let mut s_bar = 0.0;
    for _ in 0..3 {
        let y_new = y * x + x_dot;
        y = y_new;
        s_bar += y;
    }
    let s = s_bar * 0.5;
    s + y
}

#[test]
fn variables_named_like_derived_names() {
    let x = 0.7;
    let h = 1e-6;
    let fd = (derived_looking_names(x + h) - derived_looking_names(x - h)) / (2.0 * h);
    assert_close(grad!(derived_looking_names)(x), fd, 1e-7);
    assert_close(diff!(derived_looking_names)(x), fd, 1e-7);
}
