//! Programs from the random-program sweeps that the transform once got wrong (did
//! not compile), each checked against finite differences.

// The sweep programs are kept as generated.
#![allow(clippy::single_element_loop, clippy::needless_late_init)]

mod common;
use common::*;
use hype::prelude::*;

#[differentiable]
fn loop_in_branch(a: f64) -> f64 {
    let mut s = 0.0;
    if a > 0.0 {
        for _i in 0..2 {
            s += a * a;
        }
    }
    for i in 0..3 {
        for _j in 0..i {
            s = s * 1.1 + a;
        }
    }
    s
}

#[differentiable]
fn owned_copy_of_parameter(x: &Array1<f64>, a: f64) -> f64 {
    let w = if a > 0.0 { x.to_owned() } else { x * 2.0 };
    let mut v = x.clone();
    v[0] = a;
    w.sum() * a + (&v * &v).sum()
}

#[differentiable]
fn inactive_array_compound(a: f64) -> f64 {
    let mut w: Array1<f64> = Array1::zeros(2);
    for _i in 0..2 {
        w += 1.0;
    }
    a * w.sum()
}

#[differentiable]
fn names_stable_across_activity_passes(b: f64) -> f64 {
    let mut s = 1.0;
    for &w in [0.5_f64].iter() {
        s += {
            let v = w;
            s * v
        };
    }
    for &v in [3.0_f64].iter() {
        let v = v * b;
        s += v;
    }
    s
}

#[differentiable]
fn deferred_init(a: f64) -> f64 {
    let v: f64;
    if a > 0.0 {
        v = a * a;
    } else {
        v = a;
    }
    v * 3.0
}

#[differentiable]
fn sum_of(x: &Array1<f64>) -> f64 {
    x.sum() * x[0]
}

#[differentiable]
fn call_with_local_array(x: &Array1<f64>) -> f64 {
    let t = x * 2.0;
    let u = sum_of(&t);
    u + sum_of(&(x * 3.0))
}

/// Sweep seed 4104, f081 (order 2): a constant array assigned from a variable of
/// derivative code (`a12 = a12_new_1`) in a branch whose locals are taped.
#[differentiable(order = 2)]
fn constant_array_reassigned_in_branch(a: f64) -> f64 {
    let n: usize = 4;
    let p2 = a * 0.5;
    if a > 0.0 {
        let mut a12 = Array1::<f64>::zeros(n);
        for i in (0..n).rev() {
            a12[i] = {
                let _t13 = p2.powi(3);
                i as f64
            };
        }
        a12 = (-&((&a12 + &a12).powi(2))).exp();
        let _ = a12.sum();
    }
    a * a * p2
}

#[test]
fn constant_array_reassigned_at_order_2() {
    for &a in &[0.7, -0.4] {
        let f = constant_array_reassigned_in_branch;
        assert_close(
            grad!(constant_array_reassigned_in_branch)(a),
            fd_diff(f, a),
            1e-6,
        );
        let h = 1e-5;
        let fd = (grad!(constant_array_reassigned_in_branch)(a + h)
            - grad!(constant_array_reassigned_in_branch)(a - h))
            / (2.0 * h);
        assert_close(hvp!(constant_array_reassigned_in_branch)(a, &1.0), fd, 1e-6);
    }
}

// Sweep seeds 3102 f183 and 3106 f100: a `mapv` over a constant local whose closure
// consumes its argument by value in a constant operand, next to an active capture.
#[differentiable(order = 2)]
fn mapv_constant_operand_by_value(a: f64) -> f64 {
    let a2 = Array1::<f64>::from_elem(3, 0.25);
    let y = a2.mapv(|v| a.sin() - (v - (-0.5)));
    y.sum() * a
}

#[test]
fn mapv_with_constant_operand_consuming_its_argument() {
    for &a in &[0.7, -0.4] {
        let f = mapv_constant_operand_by_value;
        assert_close(
            grad!(mapv_constant_operand_by_value)(a),
            fd_diff(f, a),
            1e-6,
        );
        let h = 1e-5;
        let fd = (grad!(mapv_constant_operand_by_value)(a + h)
            - grad!(mapv_constant_operand_by_value)(a - h))
            / (2.0 * h);
        assert_close(hvp!(mapv_constant_operand_by_value)(a, &1.0), fd, 1e-6);
    }
}

// Sweep seed 5102 f258: the same with the argument negated, `-v` (a constant operand
// that moves the owned array `v`, named twice by derivative code).
#[differentiable(order = 2)]
fn mapv_negated_constant_argument(a: f64) -> f64 {
    let a1 = Array1::<f64>::from_elem(3, 0.25) + a * 0.0 + 0.5;
    let k = Array1::<f64>::from_elem(3, 1.5);
    let s = a1.dot(&k.mapv(|v| a.powi(2) + (-v)));
    s + k.mapv(|v| a * (-v)).sum()
}

#[test]
fn mapv_with_a_negated_constant_argument() {
    for &a in &[0.7, -0.4] {
        let f = mapv_negated_constant_argument;
        assert_close(
            grad!(mapv_negated_constant_argument)(a),
            fd_diff(f, a),
            1e-6,
        );
        let h = 1e-5;
        let fd = (grad!(mapv_negated_constant_argument)(a + h)
            - grad!(mapv_negated_constant_argument)(a - h))
            / (2.0 * h);
        assert_close(hvp!(mapv_negated_constant_argument)(a, &1.0), fd, 1e-6);
    }
}

#[test]
fn sweep_regressions_match_finite_differences() {
    for &a in &[0.7, -0.4] {
        assert_close(grad!(loop_in_branch)(a), fd_diff(loop_in_branch, a), 1e-6);
        assert_close(grad!(inactive_array_compound)(a), 2.0 * 2.0, 1e-12);
        assert_close(
            grad!(names_stable_across_activity_passes)(a),
            fd_diff(names_stable_across_activity_passes, a),
            1e-6,
        );
        assert_close(grad!(deferred_init)(a), fd_diff(deferred_init, a), 1e-6);
        let x = array![0.3, -1.2, 0.8];
        let (gx, ga) = grad!(owned_copy_of_parameter)(&x, a);
        assert_all_close(&gx, &fd_grad(|x| owned_copy_of_parameter(x, a), &x), 1e-6);
        assert_close(ga, fd_diff(|a| owned_copy_of_parameter(&x, a), a), 1e-6);
    }
    let x = array![0.3, -1.2, 0.8];
    assert_all_close(
        &grad!(call_with_local_array)(&x),
        &fd_grad(call_with_local_array, &x),
        1e-6,
    );
}

/// A pair computed from constants only (not differentiable).
fn split(q: f64) -> (f64, f64) {
    (q + 1.0, q - 1.0)
}

// Sweep seed 5401 f091 (order 2): `let (mut s, k) = constant call;` whose `s` becomes
// active in a loop was bound without `mut` (E0384 inside the expansion). At order 2 the
// same shape arises from the `let (mut v, mut v_d) = f::__dir(..)` of order 1.
#[differentiable(order = 2)]
fn destructured_constant_then_active(a: f64, #[constant] q: f64) -> f64 {
    let (mut s, k) = split(q);
    let mut i = 0;
    while i < 3 {
        s *= 0.9 + 0.1 * a.tanh();
        i += 1;
    }
    s * a + k
}

#[test]
fn destructured_constant_binding_stays_mutable() {
    for &a in &[0.7, -0.4] {
        let f = |a| destructured_constant_then_active(a, 0.3);
        let g = |a| grad!(destructured_constant_then_active)(a, 0.3);
        assert_close(g(a), fd_diff(f, a), 1e-6);
        let h = 1e-5;
        let fd = (g(a + h) - g(a - h)) / (2.0 * h);
        assert_close(
            hvp!(destructured_constant_then_active)(a, 0.3, &1.0),
            fd,
            1e-6,
        );
    }
}
