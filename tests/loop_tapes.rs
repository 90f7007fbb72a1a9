//! What the reverse sweep of a loop keeps, and what it recomputes instead: the index
//! of a range loop is replayed from its bounds, an overwritten scalar whose old value
//! the backward sweep never reads is not taped, locals of the body are rebuilt, and an
//! array only read by index gets a dense adjoint. Each case below is built so that a
//! wrong choice would give a wrong gradient: checked against finite differences, the
//! forward mode, and closed forms.

#![allow(clippy::assign_op_pattern)]

mod common;
use common::*;
use hype::prelude::*;

fn x0() -> Array1<f64> {
    array![0.7, -1.1, 0.4, 1.9, -0.3, 0.8]
}

/// The accumulator's value before the loop is read by a product: it must be taped.
#[differentiable]
fn accumulator_read_before(x: &Array1<f64>) -> f64 {
    let mut s = x[0] * x[1];
    let q = s * x[2];
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    q + s * s
}

/// Read after the overwrite in the same trip: the new value is used by a product.
#[differentiable]
fn accumulator_read_inside(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    let mut r = 0.0;
    for i in 0..x.len() {
        s = s + x[i];
        let t = s * x[i];
        r += t;
    }
    r
}

/// A body-local value overwritten twice per trip.
#[differentiable]
fn body_local_overwrites(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        let mut a = x[i] - x[i - 1];
        a = a * a;
        a = a.sin() + x[i];
        s += a;
    }
    s
}

/// `.rev()`, `.step_by()` and inclusive ranges, with the index inside the arithmetic.
#[differentiable]
fn range_shapes(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in (1..x.len()).rev() {
        s = s * 0.5 + x[i] * x[i - 1];
    }
    for i in (0..x.len()).step_by(2) {
        s += x[i].exp() * (i as f64 + 1.0);
    }
    for i in 2..=4 {
        s -= x[i] / (1.0 + x[i - 2] * x[i - 2]);
    }
    s
}

/// Signed indices: the loop variable is an `i32` and the item is converted.
#[differentiable]
fn signed_range(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for k in -2i32..3 {
        let j = (k + 2) as usize;
        s += x[j] * (k as f64);
    }
    for k in (-3i64..=0).rev() {
        let j = (k + 3) as usize;
        s = s * x[j + 1];
    }
    s
}

/// An array accumulator overwritten in a loop (its shape is read back: kept whole).
#[differentiable]
fn array_accumulator(x: &Array1<f64>, w: &Array1<f64>) -> f64 {
    let mut acc = x * 0.0;
    for i in 0..3 {
        acc = acc + x * w[i];
        acc = acc * 0.9;
    }
    acc.dot(&acc)
}

/// A range loop inside a loop with a branch (the inner loop's bounds are locals of the
/// outer body, taped with it), and `x` used both by index and whole.
#[differentiable]
fn nested_in_branchy_loop(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..3 {
        if x[j] > 0.0 {
            for i in j..x.len() {
                s += x[i] * x[j];
            }
        } else {
            s = s * 0.5 + x.sum();
        }
    }
    s
}

/// Only the second parameter is wanted: the dense adjoint of the first is not built.
#[differentiable]
fn two_indexed(x: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i] * y[i];
    }
    s
}

/// While loop with an overwritten scalar and a counter.
#[differentiable]
fn while_accumulator(x: &Array1<f64>) -> f64 {
    let mut s = 1.0f64;
    let mut i = 0;
    while i < x.len() {
        s = s + x[i] * s.tanh();
        i += 1;
    }
    s
}

#[test]
fn accumulators_and_locals() {
    let x = x0();
    check_vector_fn(
        accumulator_read_before,
        grad!(accumulator_read_before),
        jvp!(accumulator_read_before),
        &x,
        1e-6,
    );
    check_vector_fn(
        accumulator_read_inside,
        grad!(accumulator_read_inside),
        jvp!(accumulator_read_inside),
        &x,
        1e-6,
    );
    // Closed form of accumulator_read_inside: r = Σ_i S_i x_i with S_i = Σ_{j≤i} x_j,
    // so ∂r/∂x_k = S_k + Σ_{i≥k} x_i.
    let g = grad!(accumulator_read_inside)(&x);
    let n = x.len();
    for k in 0..n {
        let s_k: f64 = x.iter().take(k + 1).sum();
        let tail: f64 = x.iter().skip(k).sum();
        assert_close(g[k], s_k + tail, 1e-13);
    }
    check_vector_fn(
        body_local_overwrites,
        grad!(body_local_overwrites),
        jvp!(body_local_overwrites),
        &x,
        1e-6,
    );
}

#[test]
fn replayed_ranges() {
    let x = x0();
    check_vector_fn(
        range_shapes,
        grad!(range_shapes),
        jvp!(range_shapes),
        &x,
        1e-6,
    );
    check_vector_fn(
        signed_range,
        grad!(signed_range),
        jvp!(signed_range),
        &x,
        1e-6,
    );
    check_vector_fn(
        nested_in_branchy_loop,
        grad!(nested_in_branchy_loop),
        jvp!(nested_in_branchy_loop),
        &x,
        1e-6,
    );
    check_vector_fn(
        while_accumulator,
        grad!(while_accumulator),
        jvp!(while_accumulator),
        &x,
        1e-6,
    );
}

#[test]
fn array_accumulator_keeps_whole_values() {
    let x = array![0.5, -1.0, 2.0];
    let w = array![0.3, -0.7, 1.1];
    let (gx, gw) = grad!(array_accumulator)(&x, &w);
    // acc = x * c with c = Σ_i w_i 0.9^(3-i); f = c² |x|².
    let c = w[0] * 0.9f64.powi(3) + w[1] * 0.9f64.powi(2) + w[2] * 0.9;
    let xx = x.dot(&x);
    assert_all_close(&gx, &(&x * (2.0 * c * c)), 1e-12);
    let dc = array![0.9f64.powi(3), 0.9f64.powi(2), 0.9];
    assert_all_close(&gw, &(dc * (2.0 * c * xx)), 1e-12);
}

#[test]
fn dense_adjoint_only_for_wanted_parameters() {
    let x = array![0.5, -1.0, 2.0];
    let y = array![1.5, 0.25, -0.5];
    let (gx, gy) = grad!(two_indexed)(&x, &y);
    assert_all_close(&gx, &(&y * &y), 1e-14);
    assert_all_close(&gy, &(&x * &y * 2.0), 1e-14);
    // Through a closure, x is a constant: the call wants y's gradient only.
    let gy_only = grad!(|y: &Array1<f64>| two_indexed(&x, y))(&y);
    assert_all_close(&gy_only, &gy, 0.0);
    // value_and_grad: same figures.
    let (v, (gx2, gy2)) = value_and_grad!(two_indexed)(&x, &y);
    assert_eq!(v, two_indexed(&x, &y));
    assert_all_close(&gx2, &gx, 0.0);
    assert_all_close(&gy2, &gy, 0.0);
}

#[test]
fn closures_with_loops() {
    let x = x0();
    let w = 0.5;
    // The accumulator is overwritten in a range loop inside the closure's reverse code.
    let f = |x: &Array1<f64>| {
        let mut s = 0.0;
        for i in 1..x.len() {
            s += w * x[i] * x[i - 1];
        }
        s
    };
    let g = grad!(|x: &Array1<f64>| {
        let mut s = 0.0;
        for i in 1..x.len() {
            s += w * x[i] * x[i - 1];
        }
        s
    })(&x);
    assert_all_close(&g, &fd_grad(f, &x), 1e-6);
    for k in 0..x.len() {
        let left = if k > 0 { x[k - 1] } else { 0.0 };
        let right = if k + 1 < x.len() { x[k + 1] } else { 0.0 };
        assert_close(g[k], w * (left + right), 1e-14);
    }
}

/// Nested range loops over a matrix read by index: the dense adjoint is bound once,
/// around the outer loop, and the inner loop (recomputed trip by trip) uses it.
#[differentiable]
fn matrix_by_index(m: &Array2<f64>, v: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.nrows() {
        for j in (0..m.ncols()).rev() {
            s += m[[i, j]] * m[[i, j]] * v[j];
        }
    }
    s
}

#[test]
fn dense_adjoint_of_a_matrix_in_nested_loops() {
    let m = array![[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let v = array![0.3, -0.6, 1.1];
    let (gm, gv) = grad!(matrix_by_index)(&m, &v);
    // s = Σ m_ij² v_j: ∂s/∂m_ij = 2 m_ij v_j, ∂s/∂v_j = Σ_i m_ij².
    for i in 0..2 {
        for j in 0..3 {
            assert_close(gm[[i, j]], 2.0 * m[[i, j]] * v[j], 1e-14);
        }
    }
    for j in 0..3 {
        assert_close(gv[j], m[[0, j]] * m[[0, j]] + m[[1, j]] * m[[1, j]], 1e-14);
    }
}

/// Two matrix products per trip of a straight-line body, the second of the first's
/// image, one operand carried from trip to trip and every product's value read by a
/// nonlinear rule: the forward trip keeps each product on its own tape
/// (`kept_in_loops`) and the backward sweep pops them in reverse trip order instead of
/// computing them again; a tape popped out of order or in the wrong trip gives a wrong
/// gradient and Hessian-vector product.
#[differentiable(order = 2)]
fn kept_products(w: &Array2<f64>, #[constant] h0: &Array2<f64>) -> f64 {
    let mut h = h0.to_owned();
    let mut s = 0.0;
    for k in 0..4 {
        let a = h.dot(w);
        let b = ops::tanh(&a);
        let c = b.dot(w);
        h = ops::sigmoid(&c) * &h + &b * 0.5;
        s += (&c * &a).sum() * (k as f64 + 1.0) + ops::sin(&c).sum();
    }
    s
}

#[test]
fn matrix_products_of_a_recomputed_body_are_kept_in_trip_order() {
    let w = Array2::from_shape_fn((3, 3), |(i, j)| 0.3 * ((i * 3 + j) as f64 * 0.9).sin());
    let h0 = Array2::from_shape_fn((2, 3), |(i, j)| 0.5 * ((i + 2 * j) as f64).cos());
    let flat = |a: &Array2<f64>| Array1::from_iter(a.iter().copied());
    let shaped = |v: &Array1<f64>| Array2::from_shape_vec((3, 3), v.to_vec()).unwrap();
    let g = grad!(kept_products)(&w, &h0);
    let fd = fd_grad(|v| kept_products(&shaped(v), &h0), &flat(&w));
    assert_all_close(&flat(&g), &fd, 1e-6);
    // The forward mode agrees in one direction.
    let d = Array2::from_shape_fn((3, 3), |(i, j)| ((i + j) as f64 * 0.7).cos());
    let (_, tangent) = jvp!(kept_products)(&w, &h0, &d);
    assert_close(tangent, (&flat(&g) * &flat(&d)).sum(), 1e-9);
    // Order 2: hvp! against central differences of grad!.
    let hv = hvp!(kept_products)(&w, &h0, &d);
    let e = 1e-5;
    let up = grad!(kept_products)(&(&w + &(&d * e)), &h0);
    let down = grad!(kept_products)(&(&w - &(&d * e)), &h0);
    assert_all_close(&flat(&hv), &flat(&((up - down) / (2.0 * e))), 1e-6);
}
