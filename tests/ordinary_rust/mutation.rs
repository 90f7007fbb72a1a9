//! Constant locals changed in place inside differentiated code (`k[i] = ..`,
//! `k.fill(..)`, `v.push(..)`, `f(&mut k)`): the backward sweep must see each value
//! as it was when it was read, not the last one.

use crate::array_fn_test;
use crate::check::*;
use hype::prelude::*;

fn bump(k: &mut Array1<f64>, i: usize) {
    k[i] += 1.0;
}

#[differentiable(order = 2)]
fn element_store_in_loop(x: &Array1<f64>) -> f64 {
    let mut k = Array1::<f64>::zeros(3);
    let mut s = 0.0;
    for i in 0..3 {
        k[i] = (i as f64).cos();
        s += k.dot(x) * x[i];
    }
    s
}
array_fn_test!(
    element_stores_are_undone,
    element_store_in_loop,
    [0.5, -1.5, 2.0]
);

#[differentiable(order = 2)]
fn fill_in_loop(x: &Array1<f64>) -> f64 {
    let mut k = Array1::<f64>::zeros(3);
    let mut s = 0.0;
    for i in 0..3 {
        k.fill(i as f64 + 0.5);
        s += (&k * x).mapv(|v| v.sin()).sum();
    }
    s
}
array_fn_test!(fill_is_undone, fill_in_loop, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn mut_borrow_in_loop(x: &Array1<f64>) -> f64 {
    let mut k = Array1::<f64>::zeros(3);
    let mut s = 0.0;
    for i in 0..3 {
        bump(&mut k, i);
        s += k.dot(x).tanh();
    }
    s
}
array_fn_test!(
    mutable_borrows_are_undone,
    mut_borrow_in_loop,
    [0.5, -1.5, 2.0]
);

#[differentiable(order = 2)]
fn swap_then_read(x: &Array1<f64>) -> f64 {
    let mut k = array![1.0, 2.0, 3.0];
    let s = k.dot(x);
    k.swap(0, 2);
    s * s + k.dot(x)
}
array_fn_test!(swap_after_a_read, swap_then_read, [0.5, -1.5, 2.0]);

#[differentiable(order = 2)]
fn push_then_count(x: &Array1<f64>) -> f64 {
    let mut v: Vec<f64> = Vec::new();
    let mut s = 0.0;
    for i in 0..3 {
        v.push(i as f64);
        s += x[i] * x[i] * (v.len() as f64);
    }
    s
}
array_fn_test!(push_is_undone, push_then_count, [0.5, -1.5, 2.0]);
