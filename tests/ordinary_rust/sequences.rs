//! Sequences built inside differentiated code, as a recurrent model builds its
//! hidden states: `hs.push(h)` and `hs[t] = h` on a local `Vec` of arrays or
//! scalars, read back by index or by iterator.

use crate::array_fn_test;
use crate::check::*;
use hype::prelude::*;

/// Checks `f(w, xs)` in `w` at orders 1 and 2, the sequence `xs` constant.
macro_rules! seq_test {
    ($test:ident, $f:ident) => {
        #[test]
        fn $test() {
            let xs = inputs();
            let w = array![0.5, -1.5, 2.0];
            let g = grad!($f)(&w, &xs);
            check_gradient(
                &|z| $f(&a1(z), &xs),
                g.as_slice().unwrap(),
                &|d| jvp!($f)(&w, &xs, &a1(d)).1,
                w.as_slice().unwrap(),
            );
            let v = array![0.3, 0.1, -0.2];
            let hv = hvp!($f)(&w, &xs, &v);
            check_hvp(
                &|z| grad!($f)(&a1(z), &xs).to_vec(),
                hv.as_slice().unwrap(),
                w.as_slice().unwrap(),
                v.as_slice().unwrap(),
            );
        }
    };
}

fn inputs() -> Vec<Array1<f64>> {
    vec![
        array![0.5, -1.0, 0.2],
        array![0.1, 0.3, -0.4],
        array![-0.2, 0.6, 0.1],
    ]
}

#[differentiable(order = 2)]
fn states_pushed(w: &Array1<f64>, #[constant] xs: &Vec<Array1<f64>>) -> f64 {
    let mut h = Array1::<f64>::zeros(3);
    let mut hs: Vec<Array1<f64>> = Vec::new();
    for x in xs.iter() {
        h = (&h * w + x).mapv(|v| v.tanh());
        hs.push(h.clone());
    }
    let mut s = 0.0;
    for t in 0..hs.len() {
        s += hs[t].dot(w) * (t as f64 + 1.0);
    }
    s
}
seq_test!(push_arrays_then_index, states_pushed);

#[differentiable(order = 2)]
fn states_stored(w: &Array1<f64>, #[constant] xs: &Vec<Array1<f64>>) -> f64 {
    let mut h = Array1::<f64>::zeros(3);
    let mut hs: Vec<Array1<f64>> = vec![Array1::zeros(3); xs.len()];
    for t in 0..xs.len() {
        h = (&h * w + &xs[t]).mapv(|v| v.tanh());
        hs[t] = h.clone();
    }
    // A penalty on consecutive states (structural damping's shape).
    let mut s = 0.0;
    for t in 1..hs.len() {
        let d = &hs[t] - &hs[t - 1];
        s += d.dot(&d);
    }
    s + hs[0].sum()
}
seq_test!(store_arrays_by_index, states_stored);

#[differentiable(order = 2)]
fn outputs_pushed(w: &Array1<f64>, #[constant] xs: &Vec<Array1<f64>>) -> f64 {
    let mut h = Array1::<f64>::zeros(3);
    let mut ys: Vec<f64> = Vec::new();
    for x in xs.iter() {
        h = (&h * w + x).mapv(|v| v.sin());
        ys.push(h.sum());
        ys.push(0.5);
    }
    ys.iter().map(|y| y * y).sum::<f64>()
}
seq_test!(push_scalars_then_iterate, outputs_pushed);

#[differentiable(order = 2)]
fn stored_twice(w: &Array1<f64>) -> f64 {
    let mut hs: Vec<Array1<f64>> = vec![Array1::zeros(3); 2];
    hs[0] = w * 2.0;
    let first = hs[0].dot(w);
    hs[0] = w.mapv(|v| v.exp());
    first + hs[0].sum() + hs[1].sum()
}
array_fn_test!(
    overwritten_element_is_restored,
    stored_twice,
    [0.5, -1.5, 2.0]
);

#[differentiable(order = 2)]
fn vec_macro_of_arrays(w: &Array1<f64>) -> f64 {
    let ys = vec![w * 2.0, w.mapv(|v| v.sin())];
    let mut s = 0.0;
    for y in ys.iter() {
        s += y.dot(w);
    }
    let zs = vec![w[0], w[1] * w[2]];
    s + zs.iter().map(|z| z * z).sum::<f64>()
}
array_fn_test!(
    vec_macro_then_iterate,
    vec_macro_of_arrays,
    [0.5, -1.5, 2.0]
);

/// Loops that borrow the elements of a local container (`for x in xs.iter()`,
/// `for x in &xs`), the container constant or not.
#[differentiable(order = 2)]
fn local_sequences_by_reference(w: &Array1<f64>) -> f64 {
    let xs = inputs();
    let mut h = Array1::<f64>::zeros(3);
    for x in xs.iter() {
        h = (&h * w + x).mapv(|v| v.tanh());
    }
    let hs = vec![h.clone(), &h * w];
    let mut s = 0.0;
    for (t, y) in hs.iter().enumerate() {
        s += y.dot(w) * (t as f64 + 1.0);
    }
    for y in &hs {
        s += y.sum();
    }
    s
}
array_fn_test!(
    loops_over_local_sequences,
    local_sequences_by_reference,
    [0.5, -1.5, 2.0]
);

/// `vec![value; n]` of an active value: `n` copies, each updated on its own.
#[differentiable(order = 2)]
fn repeated_state(w: &Array1<f64>, #[constant] xs: &Vec<Array1<f64>>) -> f64 {
    let mut hs = vec![w * 0.5; xs.len()];
    let mut s = vec![w[0]; 2];
    for t in 0..xs.len() {
        hs[t] = (&hs[t] + &xs[t] * w).mapv(|v| v.tanh());
        s[t % 2] = s[t % 2] * hs[t].dot(w);
    }
    s[0] + s[1] + hs[0].sum()
}
seq_test!(vec_repeat_of_active_values, repeated_state);
