//! Iterator style and closures inside differentiable bodies, lowered into loops.

use crate::array_fn_test;
use crate::check::*;
use hype::prelude::*;

#[differentiable(order = 2)]
fn map_sum(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>()
}
array_fn_test!(iter_map_sum, map_sum, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn map_deref_sum(x: &Array1<f64>) -> f64 {
    x.iter().map(|&v| v.sin() * v).sum()
}
array_fn_test!(iter_map_pattern_ref, map_deref_sum, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn map_star_sum(x: &Array1<f64>) -> f64 {
    let s: f64 = x.iter().map(|v| *v * *v * 0.5).sum();
    s * s
}
array_fn_test!(iter_map_deref_in_body, map_star_sum, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn zip_dot(x: &Array1<f64>) -> f64 {
    let w = x.mapv(|v| v * 2.0 + 1.0);
    x.iter().zip(w.iter()).map(|(a, b)| a * b).sum::<f64>()
}
array_fn_test!(iter_zip_map_sum, zip_dot, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn enumerate_weighted(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += (i as f64 + 1.0) * v * v;
    }
    s
}
array_fn_test!(for_enumerate, enumerate_weighted, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn for_over_iter(x: &Array1<f64>) -> f64 {
    let mut p = 1.0;
    for v in x.iter() {
        p = p * v.cos();
    }
    p
}
array_fn_test!(for_over_iter_product, for_over_iter, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn for_over_ref(x: &Array1<f64>) -> f64 {
    let mut best = -1.0e9;
    for &v in x {
        if v > best {
            best = v;
        }
    }
    best * best
}
array_fn_test!(
    for_over_reference_with_branch,
    for_over_ref,
    [0.5, -1.5, 2.0]
);

#[differentiable(order = 2)]
fn fold_closure(x: &Array1<f64>) -> f64 {
    x.iter().fold(1.0, |acc, v| acc * (1.0 + v * v))
}
array_fn_test!(iter_fold, fold_closure, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn fold_max(x: &Array1<f64>) -> f64 {
    x.iter().copied().fold(f64::NEG_INFINITY, f64::max) * 3.0
}
array_fn_test!(iter_fold_with_a_function, fold_max, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn product_of(x: &Array1<f64>) -> f64 {
    x.iter().map(|v| v.exp()).product::<f64>()
}
array_fn_test!(iter_product, product_of, [0.5, -1.5, 0.25]);

#[differentiable(order = 2)]
fn range_map_sum(x: &Array1<f64>) -> f64 {
    let n = x.len();
    (1..n).map(|i| (x[i] - x[i - 1]).powi(2)).sum::<f64>()
}
array_fn_test!(
    range_map_sum_differences,
    range_map_sum,
    [0.5, -1.5, 2.0, 0.75]
);

#[differentiable(order = 2)]
fn rev_iter(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter().rev() {
        s = s * 0.5 + v;
    }
    s
}
array_fn_test!(for_over_reversed_iter, rev_iter, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn mapv_sigmoid(x: &Array1<f64>) -> f64 {
    let y = x.mapv(|v| 1.0 / (1.0 + (-v).exp()));
    (y * x).sum()
}
array_fn_test!(mapv_elementwise, mapv_sigmoid, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn mapv_with_capture(x: &Array1<f64>) -> f64 {
    let c = x[0];
    x.mapv(|v| (v * c).tanh().max(-0.5)).sum()
}
array_fn_test!(
    mapv_with_a_captured_active_scalar,
    mapv_with_capture,
    [0.5, -1.5, 2.0]
);

/// `mapv` on an owned local that is used again afterwards (sweep seed 3007, f491).
#[differentiable(order = 2)]
fn mapv_of_owned_local(x: &Array1<f64>) -> f64 {
    let a1 = x * 1.5;
    let mut s = 0.0;
    for _ in 0..2 {
        let c = x[1];
        let s2: f64 = a1.dot(&(a1.mapv(|v3| v3 + c)));
        s += s2 * 0.5;
    }
    s + a1.mapv(|v| v * v).sum() + a1.sum()
}
array_fn_test!(
    mapv_keeps_its_receiver,
    mapv_of_owned_local,
    [0.5, -1.5, 2.0]
);

/// `mapv` of a constant local with an active closure (sweep seed 3007, f491): the
/// local is copied, not moved, by the rewrite.
#[differentiable(order = 2)]
fn mapv_of_constant_local(x: &Array1<f64>) -> f64 {
    let mut k = Array1::<f64>::zeros(3);
    let mut s = 0.0;
    for i in 0..3 {
        k[i] = (i as f64).cos();
        let c = x[i];
        s += k.dot(&(k.mapv(|v| (v + c).tanh())));
    }
    s + k.sum()
}
array_fn_test!(
    mapv_keeps_a_constant_receiver,
    mapv_of_constant_local,
    [0.5, -1.5, 2.0]
);

#[differentiable(order = 2)]
fn slice_iter_sum(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v * v).sum::<f64>() + x.iter().sum::<f64>()
}

#[test]
fn iterators_over_a_slice() {
    let x = [0.5, -1.5, 2.0];
    let g = grad!(slice_iter_sum)(&x);
    check_gradient(
        &|z| slice_iter_sum(z),
        &g,
        &|d| jvp!(slice_iter_sum)(&x, &d.to_vec()).1,
        &x,
    );
    let v = vec![1.0, 0.5, -0.5];
    let hv = hvp!(slice_iter_sum)(&x, &v);
    check_hvp(&|z| grad!(slice_iter_sum)(z), &hv, &x, &v);
}

#[differentiable]
fn zip_vecs(a: &Vec<f64>, b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (u, v) in a.iter().zip(b.iter()) {
        s += u * v + u.sin();
    }
    s
}

#[test]
fn zip_of_a_vec_and_a_slice() {
    let a = vec![0.5, -1.5, 2.0];
    let b = [1.0, 0.25, -0.75];
    let (ga, gb) = grad!(zip_vecs)(&a, &b);
    let g: Vec<f64> = ga.iter().chain(gb.iter()).copied().collect();
    let at: Vec<f64> = a.iter().chain(b.iter()).copied().collect();
    check_gradient(
        &|z| zip_vecs(&z[..3].to_vec(), &z[3..]),
        &g,
        &|d| jvp!(zip_vecs)(&a, &b, &d[..3].to_vec(), &d[3..].to_vec()).1,
        &at,
    );
}

#[differentiable(order = 2)]
fn local_closures(x: &Array1<f64>) -> f64 {
    let c = x[0];
    let sq = |v: f64| v * v * c;
    let soft = |v: f64| (v * 0.5).tanh();
    let mut s = 0.0;
    for i in 0..x.len() {
        s += sq(x[i]) + soft(x[i] - c);
    }
    s + sq(2.0)
}
array_fn_test!(closures_bound_to_locals, local_closures, [0.5, -1.5, 2.0]);

#[differentiable]
fn constant_closure(x: &Array1<f64>, n: usize) -> f64 {
    let half = |k: usize| k / 2;
    let mut s = 0.0;
    for i in 0..half(n) {
        s += x[i].exp();
    }
    s
}

#[test]
fn a_constant_closure_in_constant_code() {
    let x = array![0.5, -1.5, 2.0, 0.1];
    let g = grad!(constant_closure)(&x, 5);
    let expect = array![0.5f64.exp(), (-1.5f64).exp(), 0.0, 0.0];
    assert_all_close(
        "grad",
        g.as_slice().unwrap(),
        expect.as_slice().unwrap(),
        1e-14,
    );
}

#[differentiable(order = 2)]
fn filtered_sum(x: &Array1<f64>) -> f64 {
    let pos: f64 = x.iter().filter(|v| **v > 0.0).map(|v| v * v).sum();
    let mut s = 0.0;
    for v in x.iter().filter(|&&v| v < 1.0) {
        s += v.sin();
    }
    pos + s
        + x.iter()
            .copied()
            .filter(|v| v.abs() > 0.7)
            .fold(1.0, |a, v| a * v)
}
array_fn_test!(
    filter_in_sums_loops_and_folds,
    filtered_sum,
    [0.5, -1.5, 2.0]
);

/// Reductions ndarray has no method for, written as users write them: the largest
/// and smallest element by `fold` (on the array or its iterator) and the usual norms.
#[differentiable(order = 2)]
fn max_min_and_norms(x: &Array1<f64>) -> f64 {
    let largest = x.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let smallest = x.iter().copied().fold(f64::INFINITY, f64::min);
    let l1 = x.mapv(f64::abs).sum();
    let l2 = x.dot(x).sqrt();
    let linf = x.iter().fold(0.0, |a: f64, v| a.max(v.abs()));
    largest * 2.0 - smallest + l1 * 0.5 + l2 * l2.sin() + linf
}
array_fn_test!(
    max_min_and_norms_by_fold,
    max_min_and_norms,
    [0.5, -1.5, 2.0]
);

/// `collect` of active values into a `Vec`, read back by index and by iterator.
#[differentiable(order = 2)]
fn collect_vec(x: &Array1<f64>) -> f64 {
    let sq: Vec<f64> = x.iter().map(|v| v * v).collect();
    let big = x
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(i, v)| v.sin() * (i as f64 + 1.0))
        .collect::<Vec<f64>>();
    sq[0] * sq[2] + big.iter().sum::<f64>() * sq[1]
}
array_fn_test!(iter_collect_into_vec, collect_vec, [0.5, -1.5, 2.0]);

/// `take(n)` and `skip(n)` of a source whose length is known before the loop.
#[differentiable(order = 2)]
fn take_skip(x: &Array1<f64>) -> f64 {
    let head = x.iter().take(2).map(|v| v * v).sum::<f64>();
    let tail = x.iter().skip(1).fold(1.0, |acc, v| acc * v.cos());
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate().take(10) {
        s += (i as f64 + 0.5) * v.sin();
    }
    for v in x.iter().skip(2) {
        s += v * head;
    }
    head * tail + s
}
array_fn_test!(iter_take_and_skip, take_skip, [0.5, -1.5, 2.0]);

/// `rev` then `zip`: element `n - 1 - k` of `x` meets element `k` of `w` (before, the
/// rewrite reversed the loop header, which `zip` could not take).
#[differentiable(order = 2)]
fn rev_zip(x: &Array1<f64>) -> f64 {
    let w = x.mapv(|v| v * v + 0.5);
    x.iter()
        .rev()
        .zip(w.iter())
        .map(|(a, b)| a * b.sin())
        .sum::<f64>()
}
array_fn_test!(iter_rev_then_zip, rev_zip, [0.5, -1.5, 2.0, 0.25]);

/// `rev` then `enumerate`, and `enumerate` then `rev`: the counts differ.
#[differentiable(order = 2)]
fn rev_enumerate(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().rev().enumerate() {
        s += (i as f64 + 1.0) * v * v;
    }
    for (i, v) in x.iter().enumerate().rev() {
        s = s * 0.5 + (i as f64) * v.cos();
    }
    s
}
array_fn_test!(iter_rev_and_enumerate, rev_enumerate, [0.5, -1.5, 2.0]);

/// `zip` then `rev`, and `rev` then `take`.
#[differentiable(order = 2)]
fn zip_rev_take(x: &Array1<f64>) -> f64 {
    let w = x.mapv(|v| v.exp());
    let a = x
        .iter()
        .zip(w.iter())
        .rev()
        .fold(0.0, |acc, (u, v)| acc * 0.5 + u * v);
    let b: f64 = x.iter().rev().take(2).map(|v| v * v * v).sum();
    a + b
}
array_fn_test!(
    iter_zip_rev_and_rev_take,
    zip_rev_take,
    [0.5, -1.5, 2.0, 0.25]
);

/// The rewritten chains (the derivative code's values) compute what Rust's iterators do.
#[test]
fn reversed_chains_match_plain_rust() {
    let x = array![0.5, -1.5, 2.0, 0.25];
    let w = x.mapv(|v| v * v + 0.5);
    let plain: f64 = x
        .iter()
        .rev()
        .zip(w.iter())
        .map(|(a, b): (&f64, &f64)| a * b.sin())
        .sum();
    assert_close("rev zip", value_and_grad!(rev_zip)(&x).0, plain, 1e-15);
    let w = x.mapv(|v| v.exp());
    let a = x
        .iter()
        .zip(w.iter())
        .rev()
        .fold(0.0, |acc, (u, v)| acc * 0.5 + u * v);
    let b: f64 = x.iter().rev().take(2).map(|v| v * v * v).sum();
    assert_close(
        "zip rev, rev take",
        value_and_grad!(zip_rev_take)(&x).0,
        a + b,
        1e-15,
    );
    let mut s = 0.0;
    for (i, v) in x.iter().rev().enumerate() {
        s += (i as f64 + 1.0) * v * v;
    }
    for (i, v) in x.iter().enumerate().rev() {
        s = s * 0.5 + (i as f64) * v.cos();
    }
    assert_close(
        "rev enumerate",
        value_and_grad!(rev_enumerate)(&x).0,
        s,
        1e-15,
    );
}
