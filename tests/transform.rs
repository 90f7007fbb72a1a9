//! The source transform on each construct of the supported subset: reverse mode
//! (grad!) and forward mode (jvp!) against central finite differences and closed
//! forms, and the two modes against each other.

// Plain `x = x * y`, `let t = ..; t` and `.clone()` on f64 are constructs under test.
#![allow(
    clippy::assign_op_pattern,
    clippy::let_and_return,
    clippy::clone_on_copy
)]

mod common;
use common::*;
use hype::prelude::*;

#[differentiable]
fn rosen(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

fn rosen_grad_closed(x: &Array1<f64>) -> Array1<f64> {
    let n = x.len();
    let mut g = Array1::zeros(n);
    for i in 0..n - 1 {
        let a = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * a * x[i] - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * a;
    }
    g
}

#[test]
fn rosenbrock_loop_over_indices() {
    let x = array![0.5, -1.2, 0.3, 2.0, 1.1];
    assert_all_close(&grad!(rosen)(&x), &rosen_grad_closed(&x), 1e-12);
    check_vector_fn(rosen, grad!(rosen), jvp!(rosen), &x, 1e-6);
    let (v, g) = value_and_grad!(rosen)(&x);
    assert_eq!(v, rosen(&x));
    assert_all_close(&g, &rosen_grad_closed(&x), 1e-12);
}

#[differentiable]
fn scalar_math(x: f64) -> f64 {
    let y = x.sin() * x.exp() + x.powi(3) / (1.0 + x * x);
    let z = y.tanh() - (x * 0.5).cos().ln().abs();
    z * z + x.sqrt()
}

#[test]
fn scalar_functions_and_diff() {
    for &x in &[0.3, 0.9, 1.7] {
        let d = diff!(scalar_math)(x);
        assert_close(d, fd_diff(scalar_math, x), 1e-6);
        assert_close(grad!(scalar_math)(x), d, 1e-12);
    }
}

#[differentiable]
fn branches(x: f64, y: f64) -> f64 {
    let a = if x > y { x * y } else { x + y * y };
    let mut b = a;
    if a > 1.0 {
        b = b * a;
    } else if a < -1.0 {
        b = -b;
    } else {
        b += 3.0 * x;
    }
    b + a
}

#[test]
fn if_else_as_expression_and_statement() {
    for &(x, y) in &[(2.0, 0.7), (0.2, 0.5), (-3.0, 0.1), (0.3, -0.2)] {
        let (gx, gy) = grad!(branches)(x, y);
        assert_close(gx, fd_diff(|x| branches(x, y), x), 1e-6);
        assert_close(gy, fd_diff(|y| branches(x, y), y), 1e-6);
        let (_, dx) = jvp!(branches)(x, y, 1.0, 0.0);
        let (_, dy) = jvp!(branches)(x, y, 0.0, 1.0);
        assert_close(dx, gx, 1e-12);
        assert_close(dy, gy, 1e-12);
    }
}

#[differentiable]
fn while_and_mutation(x: f64, n: usize) -> f64 {
    let mut acc = x;
    let mut k = 0;
    while k < n {
        acc = acc * 0.9 + (acc * x).sin();
        k += 1;
    }
    let mut s = 0.0;
    for j in (0..n).rev().step_by(2) {
        let w = j as f64;
        s += w * acc;
        acc *= 1.01;
    }
    s + acc
}

#[test]
fn while_loops_rev_step_by_and_overwrites() {
    for &x in &[0.4, 1.3] {
        let g = grad!(while_and_mutation)(x, 7);
        assert_close(g, fd_diff(|x| while_and_mutation(x, 7), x), 1e-6);
        let (_, d) = jvp!(while_and_mutation)(x, 7, 1.0);
        assert_close(d, g, 1e-12);
    }
}

#[differentiable]
fn shadowing_and_tuples(x: f64) -> f64 {
    let x = x * 2.0;
    let (a, b) = (x.sin(), x * x);
    let x = a + b;
    let y = {
        let t = x * 3.0;
        t - a
    };
    x * y
}

#[test]
fn shadowing_blocks_and_tuple_let() {
    let x0 = 0.8;
    assert_close(
        grad!(shadowing_and_tuples)(x0),
        fd_diff(shadowing_and_tuples, x0),
        1e-6,
    );
}

#[differentiable]
fn index_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for i in 0..n {
        y[i] = x[i] * x[(i + 1) % n];
    }
    y[0] = y[0] * 2.0;
    y[1] += x[0];
    (&y * &y).sum()
}

#[test]
fn index_writes_on_local_arrays() {
    let x = array![0.3, -0.7, 1.5, 0.9];
    check_vector_fn(
        index_writes,
        grad!(index_writes),
        jvp!(index_writes),
        &x,
        1e-6,
    );
}

#[differentiable]
fn inner(x: f64, c: f64) -> f64 {
    x * x * c + x.sin()
}

#[differentiable]
fn outer(x: f64, y: f64) -> f64 {
    let a = inner(x, 2.0);
    let b = inner(y * x, a);
    let mut s = 0.0;
    for i in 0..3 {
        s += inner(s + x, i as f64);
    }
    a + b + s
}

mod nested_module {
    use hype::prelude::*;
    #[differentiable]
    pub fn cube(x: f64) -> f64 {
        x * x * x
    }
}

#[differentiable]
fn calls_other_module(x: f64) -> f64 {
    nested_module::cube(x) + 1.0
}

#[test]
fn calls_of_differentiable_functions() {
    for &(x, y) in &[(0.5, 0.2), (1.1, -0.4)] {
        let (gx, gy) = grad!(outer)(x, y);
        assert_close(gx, fd_diff(|x| outer(x, y), x), 1e-6);
        assert_close(gy, fd_diff(|y| outer(x, y), y), 1e-6);
        let (_, dx) = jvp!(outer)(x, y, 1.0, 0.0);
        assert_close(dx, gx, 1e-12);
    }
    assert_close(grad!(calls_other_module)(1.5), 3.0 * 1.5 * 1.5, 1e-12);
    assert_close(diff!(nested_module::cube)(2.0), 12.0, 1e-12);
}

#[differentiable]
fn constant_param(x: f64, #[constant] c: f64, n: usize) -> f64 {
    x * c + (n as f64) * x * x
}

#[test]
fn constant_parameters_get_no_gradient() {
    let g: f64 = grad!(constant_param)(1.5, 4.0, 2);
    assert_close(g, 4.0 + 2.0 * 2.0 * 1.5, 1e-12);
}

#[differentiable]
fn arrays_broadcast(w: &Array2<f64>, b: &Array1<f64>, x: &Array2<f64>) -> f64 {
    let z = x.dot(w) + b;
    let h = z.exp();
    let m = h.sum_axis(Axis(0));
    (&m * &m).sum() + h.sum() * 0.1
}

fn fd_matrix(f: impl Fn(&Array2<f64>) -> f64, w: &Array2<f64>) -> Array2<f64> {
    let h = 1e-6;
    let mut g = Array2::zeros(w.raw_dim());
    for i in 0..w.nrows() {
        for j in 0..w.ncols() {
            let mut p = w.clone();
            let mut m = w.clone();
            p[[i, j]] += h;
            m[[i, j]] -= h;
            g[[i, j]] = (f(&p) - f(&m)) / (2.0 * h);
        }
    }
    g
}

#[test]
fn matrix_products_and_broadcasting() {
    let w = array![[0.1, -0.3, 0.5], [0.7, 0.2, -0.4]];
    let b = array![0.05, -0.1, 0.2];
    let x = array![[1.0, 2.0], [-0.5, 0.3], [0.8, -1.1], [0.0, 0.4]];
    let (gw, gb, gx) = grad!(arrays_broadcast)(&w, &b, &x);
    let fw = fd_matrix(|w| arrays_broadcast(w, &b, &x), &w);
    let fx = fd_matrix(|x| arrays_broadcast(&w, &b, x), &x);
    let fb = fd_grad(|b| arrays_broadcast(&w, b, &x), &b);
    for (a, e) in gw.iter().zip(fw.iter()) {
        assert_close(*a, *e, 1e-6);
    }
    for (a, e) in gx.iter().zip(fx.iter()) {
        assert_close(*a, *e, 1e-6);
    }
    assert_all_close(&gb, &fb, 1e-6);
    // Forward mode agrees with reverse mode (dot-product test).
    let dw = array![[0.3, 0.1, -0.2], [0.4, -0.5, 0.6]];
    let (_, d) = jvp!(arrays_broadcast)(&w, &b, &x, &dw, &Array1::zeros(3), &Array2::zeros((4, 2)));
    let expect: f64 = (&gw * &dw).sum();
    assert_close(d, expect, 1e-12);
}

#[test]
fn vjp_pullback_and_jacobian() {
    let x = array![0.3, -0.2, 0.9];
    let (v, pb) = vjp!(rosen)(&x);
    assert_eq!(v, rosen(&x));
    let g = pb(&2.0);
    assert_all_close(&g, &(2.0 * &rosen_grad_closed(&x)), 1e-12);
    let j = jacobian!(rosen)(&x);
    assert_eq!(j.shape(), &[1, 3]);
    assert_all_close(&j.row(0).to_owned(), &rosen_grad_closed(&x), 1e-12);
    let gv = gradv!(rosen)(&x, &array![1.0, 1.0, 1.0]);
    assert_close(gv, rosen_grad_closed(&x).sum(), 1e-12);
}

#[differentiable]
fn mlp_loss(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
) -> f64 {
    let h = ops::tanh(&(x.dot(w1) + b1));
    let logits = h.dot(w2);
    ops::cross_entropy_on_linear(&logits, y) + 0.01 * ops::l2(w1)
}

#[test]
fn small_mlp_with_ops() {
    let w1 = array![[0.1, -0.3, 0.5], [0.7, 0.2, -0.4]];
    let b1 = array![0.05, -0.1, 0.2];
    let w2 = array![[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]];
    let x = array![[1.0, 2.0], [-0.5, 0.3], [0.8, -1.1]];
    let y = array![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]];
    let (gw1, gb1, gw2) = grad!(mlp_loss)(&w1, &b1, &w2, &x, &y);
    let _ = gb1;
    let f1 = fd_matrix(|w| mlp_loss(w, &b1, &w2, &x, &y), &w1);
    let f2 = fd_matrix(|w| mlp_loss(&w1, &b1, w, &x, &y), &w2);
    for (a, e) in gw1.iter().zip(f1.iter()) {
        assert_close(*a, *e, 1e-6);
    }
    for (a, e) in gw2.iter().zip(f2.iter()) {
        assert_close(*a, *e, 1e-6);
    }
}

#[differentiable]
fn transposes_and_views(x: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let y = x * 2.0;
    let yt = y.t();
    let g = yt.dot(&y);
    let xt = x.t();
    let u = xt.dot(v);
    let col = u.insert_axis(Axis(1));
    g.sum() + (&col * &col).sum()
}

#[test]
fn transposes_of_locals_and_parameters() {
    let x = array![[0.5, -1.0, 0.2], [0.3, 0.8, -0.6]];
    let v = array![0.7, -0.4];
    let (gx, gv) = grad!(transposes_and_views)(&x, &v);
    let fx = fd_matrix(|x| transposes_and_views(x, &v), &x);
    for (a, e) in gx.iter().zip(fx.iter()) {
        assert_close(*a, *e, 1e-6);
    }
    assert_all_close(&gv, &fd_grad(|v| transposes_and_views(&x, v), &v), 1e-6);
}

#[differentiable]
fn vector_field(x: &Array1<f64>) -> Array1<f64> {
    let y = x * x;
    let s = x.sum();
    &y * s + x.sin()
}

#[test]
fn vector_outputs_jacobian_both_modes() {
    let x = array![0.3, -0.8, 1.1, 0.5];
    let j = jacobian!(vector_field)(&x);
    // Closed form: d/dx_k [x_i^2 s + sin x_i] = 2 x_i s δ_ik + x_i^2 + cos x_i δ_ik
    let s = x.sum();
    for i in 0..4 {
        for k in 0..4 {
            let mut e = x[i] * x[i];
            if i == k {
                e += 2.0 * x[i] * s + x[i].cos();
            }
            assert_close(j[[i, k]], e, 1e-12);
        }
    }
    // Reverse mode: Jᵀ w through the pullback equals the transposed Jacobian.
    let w = array![0.2, -1.0, 0.5, 0.7];
    let (_, pb) = vjp!(vector_field)(&x);
    assert_all_close(&pb(&w), &j.t().dot(&w), 1e-12);
    assert_all_close(&jacobian_t_v!(vector_field)(&x, &w), &j.t().dot(&w), 1e-12);
}

const TRIPLE: usize = 3;

#[differentiable]
fn match_on_constants(x: f64, k: usize) -> f64 {
    let a = match k {
        0 => x * x,
        1 | 2 => x.sin(),
        TRIPLE => x.exp(),
        n if n > 10 => -x,
        _ => x * 0.5,
    };
    match k % 2 {
        0 => a * x,
        _ => a + x,
    }
}

#[test]
fn match_on_constants_becomes_branches() {
    for k in [0, 1, 2, 3, 11, 5] {
        let x = 0.7;
        let g = grad!(match_on_constants)(x, k);
        assert_close(g, fd_diff(|x| match_on_constants(x, k), x), 1e-6);
        let (_, d) = jvp!(match_on_constants)(x, k, 1.0);
        assert_close(d, g, 1e-12);
    }
}

#[differentiable]
fn loop_break_continue(x: f64, n: usize) -> f64 {
    let mut y = x;
    let mut k = 0;
    loop {
        k += 1;
        if k % 3 == 0 {
            continue;
        }
        y = y * 0.9 + x.sin() * 0.1;
        if k >= n {
            break;
        }
        y += 0.01 * y * y;
    }
    let mut s = 0.0;
    for i in 0..10 {
        if i == 7 {
            break;
        }
        s += y * (i as f64);
    }
    let mut j = 0;
    while j < 100 {
        j += 1;
        if j > 4 {
            break;
        }
        s *= 1.0 + 0.1 * x;
    }
    s
}

#[differentiable]
fn early_returns(x: f64, mode: usize) -> f64 {
    if mode == 0 {
        return x * x;
    }
    let y = x.sin();
    if mode == 1 {
        let z = y * 2.0;
        return z + x;
    } else if mode == 2 {
        return y.exp();
    }
    y * x
}

#[test]
fn loop_break_continue_and_early_return() {
    for &x in &[0.4, 1.3] {
        for n in [1, 5, 8] {
            let g = grad!(loop_break_continue)(x, n);
            assert_close(g, fd_diff(|x| loop_break_continue(x, n), x), 1e-6);
            let (_, d) = jvp!(loop_break_continue)(x, n, 1.0);
            assert_close(d, g, 1e-12);
        }
        for mode in 0..4 {
            let g = grad!(early_returns)(x, mode);
            assert_close(g, fd_diff(|x| early_returns(x, mode), x), 1e-6);
        }
    }
}

#[test]
fn operators_on_closures_capture_constants() {
    let data = array![1.0, 2.0, 3.0];
    let scale = 0.5;
    let w0 = array![0.3, -0.1, 0.8];
    let g = grad!(|w: &Array1<f64>| {
        let r = w * &data - scale;
        (&r * &r).sum()
    })(&w0);
    let expect = 2.0 * &(&(&w0 * &data) - scale) * &data;
    assert_all_close(&g, &expect, 1e-12);
    let (v, g2) = value_and_grad!(|w: &Array1<f64>| rosen(w) * scale)(&w0);
    assert_close(v, rosen(&w0) * scale, 1e-14);
    assert_all_close(&g2, &(scale * &rosen_grad_closed(&w0)), 1e-12);
    let d = diff!(|x: f64| x * x * scale + x.sin())(0.7);
    assert_close(d, 2.0 * 0.7 * scale + 0.7f64.cos(), 1e-12);
    let (y, dy) = jvp!(|x: f64, y: f64| x * y + scale)(2.0, 3.0, 1.0, 0.0);
    assert_close(y, 6.5, 1e-14);
    assert_close(dy, 3.0, 1e-14);
    assert_eq!(data.len(), 3); // still usable: captured by reference
}

#[differentiable]
fn blocks_decide_activity_by_value(x: f64, n: usize) -> f64 {
    let y = {
        let t = x * 3.0;
        t
    };
    let m = if n > 2 { n * 2 } else { n + 1 };
    let z = if y > 100.0 { 1.0 } else { y * y };
    z * (m as f64)
}

#[test]
fn blocks_and_ifs_whose_activity_comes_from_inside() {
    let g = grad!(blocks_decide_activity_by_value)(0.7, 3);
    assert_close(g, 2.0 * 9.0 * 0.7 * 6.0, 1e-12);
}

/// A function whose derivative is given by hand: log(1 + e^x) with a stable rule.
#[custom_rule(forward = softplus_fwd, reverse = softplus_rev)]
fn my_softplus(x: f64, #[constant] beta: f64) -> f64 {
    (1.0 + (beta * x).exp()).ln() / beta
}

fn softplus_fwd(x: f64, beta: f64, dx: f64) -> (f64, f64) {
    let s = 1.0 / (1.0 + (-beta * x).exp());
    (my_softplus(x, beta), s * dx)
}

fn softplus_rev(x: f64, beta: f64) -> (f64, impl FnOnce(&f64) -> f64) {
    let s = 1.0 / (1.0 + (-beta * x).exp());
    (my_softplus(x, beta), move |g: &f64| s * g)
}

#[differentiable]
fn uses_custom_rule(x: f64) -> f64 {
    my_softplus(x * x, 2.0) * x
}

#[test]
fn custom_rules_in_both_modes() {
    for &x in &[0.3, -1.2] {
        let g = grad!(uses_custom_rule)(x);
        assert_close(g, fd_diff(uses_custom_rule, x), 1e-6);
        let (_, d) = jvp!(uses_custom_rule)(x, 1.0);
        assert_close(d, g, 1e-12);
        assert_close(
            diff!(my_softplus)(x, 2.0),
            1.0 / (1.0 + (-2.0 * x).exp()),
            1e-12,
        );
    }
}

#[differentiable]
fn with_stop_gradient(x: f64) -> f64 {
    let c = ops::stop_gradient(&(x * x));
    x * c + x
}

#[test]
fn stop_gradient_treats_a_value_as_constant() {
    let x = 1.5;
    assert_close(grad!(with_stop_gradient)(x), x * x + 1.0, 1e-12);
    assert_close(jvp!(with_stop_gradient)(x, 1.0).1, x * x + 1.0, 1e-12);
}

#[differentiable]
fn polar(r: f64, theta: f64) -> (f64, f64) {
    (r * theta.cos(), r * theta.sin())
}

#[differentiable]
fn tuple_calls(r: f64, theta: f64) -> f64 {
    let (x, y) = polar(r, theta);
    let p = polar(x, y);
    x * y + p.0 - p.1
}

#[test]
fn tuples_returned_and_destructured() {
    let (r, th) = (1.3, 0.4);
    let (gr, gt) = grad!(tuple_calls)(r, th);
    assert_close(gr, fd_diff(|r| tuple_calls(r, th), r), 1e-6);
    assert_close(gt, fd_diff(|t| tuple_calls(r, t), th), 1e-6);
    let (_, d) = jvp!(tuple_calls)(r, th, 0.0, 1.0);
    assert_close(d, gt, 1e-12);
    let (v, pb) = vjp!(polar)(r, th);
    assert_eq!(v, polar(r, th));
    let (a, b) = pb(&(1.0, 0.0));
    assert_close(a, th.cos(), 1e-12);
    assert_close(b, -r * th.sin(), 1e-12);
}

#[differentiable]
fn poly_over_constant_slice(x: f64, #[constant] coeffs: &[f64]) -> f64 {
    let mut acc = 0.0;
    for &c in coeffs.iter() {
        acc = acc * x + c;
    }
    let y = acc.clone();
    let r = &y;
    *r * 2.0
}

#[test]
fn for_over_constant_slices_clone_and_borrows() {
    let coeffs = [1.0, -2.0, 0.5, 3.0];
    for &x in &[0.3, -1.1] {
        // 2 * (3x^2 - 4x + 0.5) is the derivative of 2 * (x^3 - 2x^2 + 0.5x + 3)
        let expect = 2.0 * (3.0 * x * x - 4.0 * x + 0.5);
        assert_close(grad!(poly_over_constant_slice)(x, &coeffs), expect, 1e-12);
        assert_close(
            jvp!(poly_over_constant_slice)(x, &coeffs, 1.0).1,
            expect,
            1e-12,
        );
    }
}

#[test]
fn vjp_and_jacobians_of_closures() {
    let data = array![1.0, 2.0, 3.0];
    let w0 = array![0.3, -0.1, 0.8];
    // A vector field with a captured constant: forward Jacobian (n = m) and a tall one.
    let field = |w: &Array1<f64>| {
        array![
            w[0] * w[1] * data[0],
            w[1].sin() + w[2],
            w[2] * w[0] * data[2]
        ]
    };
    let closed = array![
        [w0[1] * data[0], w0[0] * data[0], 0.0],
        [0.0, w0[1].cos(), 1.0],
        [w0[2] * data[2], 0.0, w0[0] * data[2]]
    ];
    let j = jacobian!(|w: &Array1<f64>| array![
        w[0] * w[1] * data[0],
        w[1].sin() + w[2],
        w[2] * w[0] * data[2]
    ])(&w0);
    assert_all_close(
        &j.clone().into_shape_with_order(9).unwrap(),
        &closed.clone().into_shape_with_order(9).unwrap(),
        1e-12,
    );
    assert_eq!(field(&w0).len(), 3);
    // Reverse mode: a scalar output (m = 1 < n), and vjp / jacobian_t_v with a seed.
    let jr = jacobian!(|w: &Array1<f64>| (w * &data).sum() * w[0])(&w0);
    let expect = &data * w0[0] + &array![(&w0 * &data).sum(), 0.0, 0.0];
    assert_all_close(&jr.row(0).to_owned(), &expect, 1e-12);
    let (v, pb) = vjp!(|w: &Array1<f64>| array![
        w[0] * w[1] * data[0],
        w[1].sin() + w[2],
        w[2] * w[0] * data[2]
    ])(&w0);
    assert_all_close(&v, &field(&w0), 0.0);
    let u = array![0.5, -1.0, 2.0];
    let g = pb(&u);
    assert_all_close(&g, &closed.t().dot(&u), 1e-12);
    let g2 = pb(&array![1.0, 0.0, 0.0]);
    assert_all_close(&g2, &closed.row(0).to_owned(), 1e-12);
    let jtv = jacobian_t_v!(|w: &Array1<f64>| array![
        w[0] * w[1] * data[0],
        w[1].sin() + w[2],
        w[2] * w[0] * data[2]
    ])(&w0, &u);
    assert_all_close(&jtv, &g, 0.0);
    // Two scalar parameters: the pullback returns one cotangent per parameter.
    let (p, pb2) = vjp!(|x: f64, y: f64| x * y.exp())(0.4, 0.3);
    assert_close(p, 0.4 * 0.3f64.exp(), 1e-15);
    let (gx, gy) = pb2(&2.0);
    assert_close(gx, 2.0 * 0.3f64.exp(), 1e-14);
    assert_close(gy, 2.0 * 0.4 * 0.3f64.exp(), 1e-14);
}

#[differentiable]
fn weighted_sum(x: f64, a: &Array1<f64>) -> f64 {
    (a * x).sum()
}

/// Temporaries borrowed as call arguments, constant (`&(a * 0.5)`) and active
/// (`&(a + y)`): the reverse sweep calls the callee again with them.
#[differentiable]
fn temporaries_as_arguments(y: &Array1<f64>, #[constant] a: &Array1<f64>) -> f64 {
    weighted_sum(y[0], &(a * 0.5)) + weighted_sum(2.0, &(a + y)) + weighted_sum(y[1], &(y * y))
}

#[test]
fn borrowed_temporaries_as_call_arguments() {
    let a = array![1.0, -2.0, 0.5];
    let y = array![0.3, 0.8, -1.2];
    // f = y0 Σ a/2 + 2 Σ (a + y) + y1 Σ y²
    let sq: f64 = y.iter().map(|v| v * v).sum();
    let mut want = Array1::from_elem(3, 2.0) + &(&y * (2.0 * y[1]));
    want[0] += a.sum() * 0.5;
    want[1] += sq;
    let f = |y: &Array1<f64>| temporaries_as_arguments(y, &a);
    let g = |y: &Array1<f64>| grad!(temporaries_as_arguments)(y, &a);
    assert_all_close(&g(&y), &want, 1e-13);
    let jvp = |y: &Array1<f64>, v: &Array1<f64>| jvp!(temporaries_as_arguments)(y, &a, v);
    check_vector_fn(f, g, jvp, &y, 1e-6);
}
