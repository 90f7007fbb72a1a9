//! More everyday idioms, one per program, each checked at order 1 and 2.

use crate::check::*;
use hype::prelude::*;

fn a1(x: &[f64]) -> Array1<f64> {
    Array1::from(x.to_vec())
}

/// A function of one `Array1`: value and gradient against differences, forward
/// against reverse, and `hvp!` against differences of `grad!`.
macro_rules! idiom {
    ($test:ident, $f:ident, [$($x:expr),*], |$v:ident| $body:block) => {
        #[differentiable(order = 2)]
        fn $f($v: &Array1<f64>) -> f64 $body

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
            let v = x.mapv(|t| 0.25 - 0.5 * t);
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

idiom!(enumerate_map_sum, enum_map, [0.5, -1.0, 1.5], |x| {
    x.iter()
        .enumerate()
        .map(|(i, v)| v * (i as f64 + 1.0))
        .sum::<f64>()
        * x[0]
});
idiom!(dot_product_norm, norm2, [0.5, -1.0, 1.5], |x| {
    x.dot(x).sqrt()
});
idiom!(
    softmax_cross_entropy_by_hand,
    ce_by_hand,
    [0.5, -1.0, 1.5],
    |z| {
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = z.mapv(|v| (v - m).exp()).sum().ln() + m;
        lse - z[1]
    }
);
idiom!(mean_unwrap_and_var, mean_var, [0.5, -1.0, 1.5, 0.25], |x| {
    let m = x.mean().unwrap();
    let d = x - m;
    (&d * &d).sum() / (x.len() as f64 - 1.0) + x.var(1.0)
});
idiom!(polynomial_horner_by_fold, horner, [0.5, -1.0, 1.5], |c| {
    let t = 0.7;
    c.iter().fold(0.0, |acc, k| acc * t + k) * c[2]
});
idiom!(running_max_with_if, running_max, [0.5, 2.0, 1.5], |x| {
    let mut best = x[0];
    for v in x.iter() {
        if *v > best {
            best = *v;
        }
    }
    best * x.sum()
});
idiom!(pairwise_differences, pairwise, [0.5, -1.0, 1.5, 0.2], |x| {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in (i + 1)..x.len() {
            s += (x[i] - x[j]).powi(2);
        }
    }
    s
});
idiom!(
    windowed_sum_with_zip,
    windows_zip,
    [0.5, -1.0, 1.5, 0.2],
    |x| {
        let tail = x.slice(s![1..]).to_owned();
        let head = x.slice(s![..-1]).to_owned();
        head.iter()
            .zip(tail.iter())
            .map(|(a, b)| a * b)
            .sum::<f64>()
    }
);
idiom!(clamp_and_abs_in_a_loop, clamp_abs, [0.3, -0.6, 0.9], |x| {
    let mut s = 0.0;
    for v in x.iter() {
        s += v.clamp(-0.5, 0.5) * v.abs();
    }
    s
});
idiom!(log_sum_exp_with_ops, lse_ops, [0.5, -1.0, 1.5], |x| {
    ops::logsumexp(x) + ops::softplus(x).sum() * 0.1
});
idiom!(
    closure_with_two_arguments,
    closure2,
    [0.5, -1.0, 1.5],
    |x| {
        let f = |a: f64, b: f64| a * b + (a - b).powi(2);
        f(x[0], x[1]) + f(x[1], x[2])
    }
);
idiom!(shadowing_and_blocks, shadow, [0.5, -1.0, 1.5], |x| {
    let y = x * 2.0;
    let y = {
        let t = y.sum();
        t * t
    };
    y + x[0]
});
idiom!(while_with_counter, while_counter, [0.5, -1.0, 1.5], |x| {
    let mut k = 0;
    let mut s = 1.0;
    while k < x.len() {
        s = s * 0.5 + x[k].sin();
        k += 1;
    }
    s
});
idiom!(early_return, early, [0.5, -1.0, 1.5], |x| {
    if x[0] > 10.0 {
        return 0.0;
    }
    x.mapv(|v| v.exp()).sum().ln()
});
idiom!(match_on_length, match_len, [0.5, -1.0, 1.5], |x| {
    match x.len() {
        0 => 0.0,
        1 => x[0],
        _ => x[0] * x[1] + x[x.len() - 1],
    }
});
idiom!(tuple_let_and_return, tuple_let, [0.5, -1.0, 1.5], |x| {
    let (a, b) = (x[0] * 2.0, x[1].exp());
    a * b
});
idiom!(outer_product_matrix, outer, [0.5, -1.0, 1.5], |x| {
    let col = x.clone().insert_axis(Axis(1));
    let row = x.clone().insert_axis(Axis(0));
    let m = col.dot(&row);
    m.sum_axis(Axis(0)).mapv(|v| v.tanh()).sum()
});
idiom!(
    index_writes_into_a_local,
    index_writes,
    [0.5, -1.0, 1.5],
    |x| {
        let mut y = Array1::zeros(x.len());
        for i in 0..x.len() {
            y[i] = x[i] * (i as f64 + 0.5);
        }
        y.dot(x)
    }
);
idiom!(product_of_exps_by_iter, prod_iter, [0.2, -0.4, 0.3], |x| {
    x.iter().map(|v| 1.0 + v * v).product::<f64>()
});
idiom!(sum_of_a_range_map, range_sum, [0.5, -1.0, 1.5, 0.2], |x| {
    (0..x.len())
        .map(|i| x[i] * x[(i + 1) % x.len()])
        .sum::<f64>()
});

#[differentiable(order = 2)]
fn tuple_param(p: (f64, f64), w: &Array1<f64>) -> f64 {
    (p.0 * w).sum() + p.1 * p.1
}

#[test]
fn tuple_parameters() {
    let w = array![0.5, -1.0];
    let ((g0, g1), gw) = grad!(tuple_param)((0.3, 0.7), &w);
    let f = |z: &[f64]| tuple_param((z[0], z[1]), &a1(&z[2..]));
    let g = vec![g0, g1, gw[0], gw[1]];
    check_gradient(
        &f,
        &g,
        &|d| jvp!(tuple_param)((0.3, 0.7), &w, (d[0], d[1]), &a1(&d[2..])).1,
        &[0.3, 0.7, 0.5, -1.0],
    );
}

#[differentiable]
fn vector_output(x: &[f64]) -> Array1<f64> {
    let mut y = Array1::zeros(2);
    y[0] = x[0] * x[1];
    y[1] = x[1].sin();
    y
}

#[test]
fn jacobian_of_a_slice_function() {
    let x = [0.5, 1.2];
    let j = jacobian!(vector_output)(&x);
    assert_close("j00", j[[0, 0]], 1.2, 1e-14);
    assert_close("j01", j[[0, 1]], 0.5, 1e-14);
    assert_close("j10", j[[1, 0]], 0.0, 1e-14);
    assert_close("j11", j[[1, 1]], 1.2f64.cos(), 1e-14);
}

idiom!(
    reductions_inside_f64_paths,
    f64_path_reductions,
    [0.5, -1.0, 1.5],
    |x| {
        let n = x.len();
        let s = f64::hypot((0..n).map(|i| x[i] * 0.5).sum::<f64>(), x.dot(x));
        let t = f64::max(x.iter().map(|v| v.sin()).sum::<f64>(), -5.0);
        let mut a = Array1::zeros(n);
        a[0] = x
            .iter()
            .enumerate()
            .map(|(i, &v)| v * (i as f64 + 1.0))
            .sum::<f64>()
            .cos();
        s + t + a[0]
    }
);

// Found by the order-2 sweeps: a by-value parameter chosen by an `if` expression, or
// stored into an array element, inside a loop; a typed `let` of a constant array.
#[differentiable(order = 2)]
fn param_in_if_and_element(a: f64, b: f64) -> f64 {
    let n: usize = 4;
    let mut acc = a * 0.5;
    let mut s = 0.0;
    let mut arr: Array1<f64> = Array1::zeros(n);
    for i in 0..3 {
        s += (if i % 2 == 0 { a } else { acc }).powi(2);
        acc *= 0.9 + 0.1 * b;
    }
    for i in (0..n).step_by(2) {
        arr[i] = b;
    }
    s * arr.sum()
}

#[test]
fn parameters_in_if_expressions_and_elements() {
    let p = [0.7, -0.4];
    let f = |z: &[f64]| param_in_if_and_element(z[0], z[1]);
    let (ga, gb) = grad!(param_in_if_and_element)(p[0], p[1]);
    check_gradient(
        &f,
        &[ga, gb],
        &|d| jvp!(param_in_if_and_element)(p[0], p[1], d[0], d[1]).1,
        &p,
    );
    let v = [0.5, 1.5];
    let (ha, hb) = hvp!(param_in_if_and_element)(p[0], p[1], &v[0], &v[1]);
    check_hvp(
        &|z| {
            let (a, b) = grad!(param_in_if_and_element)(z[0], z[1]);
            vec![a, b]
        },
        &[ha, hb],
        &p,
        &v,
    );
}
