//! Adjoints that the backward sweep accumulates in place (`{op}_acc{k}`): matrix
//! products into the field of a struct parameter's adjoint (no per-trip slot), and
//! slices of a local into the local's adjoint (no zeroed full-size array per slice).
//! Each program mixes in-place and ordinary contributions to the same adjoint and is
//! checked against central differences at order 1 and, through `hvp!`, at order 2.

mod common;
use common::*;
use hype::prelude::*;

#[derive(Clone, Debug, Tangent)]
struct Cell {
    w: Array2<f64>,
    u: Array2<f64>,
    b: Array1<f64>,
    /// Never read by the programs: its gradient is zeros of its shape.
    unused: Array2<f64>,
}

fn cell() -> Cell {
    let m = |r: usize, c: usize, k: f64| {
        Array2::from_shape_fn((r, c), |(i, j)| 0.3 * ((i * c + j) as f64 * 0.7 + k).sin())
    };
    Cell {
        w: m(3, 4, 0.1),
        u: m(4, 4, 0.9),
        b: Array1::from_shape_fn(4, |i| 0.1 * i as f64 - 0.2),
        unused: m(2, 2, 0.5),
    }
}

fn inputs() -> Array2<f64> {
    Array2::from_shape_fn((5, 3), |(t, i)| (0.4 * t as f64 + 0.9 * i as f64).cos())
}

/// A tanh recurrence over the rows of `x`; `p.u` is also read outside the products
/// (an ordinary contribution to the same field's adjoint).
#[differentiable(order = 2)]
fn recurrence(p: &Cell, #[constant] x: &Array2<f64>) -> f64 {
    let mut h = Array2::<f64>::zeros((1, 4));
    let mut s = 0.0;
    for t in 0..x.nrows() {
        let xt = x.slice(s![t..t + 1, ..]);
        h = ops::tanh(&(xt.dot(&p.w) + h.dot(&p.u) + &p.b));
        s += h.sum() + 0.1 * (&p.u * &p.u).sum();
    }
    s
}

/// Gates as slices of one local product `z` (an LSTM-like cell), one slice read twice
/// and `z` itself read whole too.
#[differentiable(order = 2)]
fn gates(p: &Cell, #[constant] x: &Array2<f64>) -> f64 {
    let mut h = Array2::<f64>::zeros((1, 2));
    let mut c = Array2::<f64>::zeros((1, 2));
    let mut s = 0.0;
    for t in 0..x.nrows() {
        let xt = x.slice(s![t..t + 1, ..]);
        let z = xt.dot(&p.w) + &p.b;
        let i = ops::sigmoid(&z.slice(s![.., 0..2]));
        let g = ops::tanh(&z.slice(s![.., 2..4]));
        let o = ops::sigmoid(&z.slice(s![.., 0..2]));
        c = &c * 0.5 + &i * &g;
        h = &o * &ops::tanh(&c) + h.dot(&p.unused);
        s += h.sum() + 0.05 * z.sum();
    }
    s
}

/// A slice of an active parameter array, read in a loop.
#[differentiable(order = 2)]
fn windows(v: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for k in 0..v.len() - 2 {
        let part = v.slice(s![k..k + 3]);
        s += (&part * &part).sum() * (k as f64 + 1.0) + part.sum().sin();
    }
    s
}

fn check_struct_fn(
    f: impl Fn(&Cell) -> f64,
    grad: impl Fn(&Cell) -> Cell,
    hvp: impl Fn(&Cell, &Cell) -> Cell,
) {
    let p = cell();
    let flat = p.flatten();
    let g = grad(&p);
    assert_all_close(
        &g.flatten(),
        &fd_grad(|v| f(&p.rebuild(v).unwrap()), &flat),
        1e-6,
    );
    assert_eq!(
        g.unused.shape(),
        p.unused.shape(),
        "gradient of an unread field"
    );
    // Order 2: hvp! against central differences of grad!.
    let dir = Array1::from_shape_fn(flat.len(), |k| ((k as f64) * 1.3).sin());
    let hv = hvp(&p, &p.rebuild(&dir).unwrap()).flatten();
    let h = 1e-5;
    let up = grad(&p.rebuild(&(&flat + &(&dir * h))).unwrap()).flatten();
    let down = grad(&p.rebuild(&(&flat - &(&dir * h))).unwrap()).flatten();
    assert_all_close(&hv, &((up - down) / (2.0 * h)), 1e-6);
}

#[test]
fn matrix_products_into_a_struct_parameters_fields() {
    let x = inputs();
    check_struct_fn(
        |p| recurrence(p, &x),
        |p| grad!(recurrence)(p, &x),
        |p, d| hvp!(recurrence)(p, &x, d),
    );
}

#[test]
fn slices_of_a_local_into_its_adjoint() {
    let x = inputs();
    check_struct_fn(
        |p| gates(p, &x),
        |p| grad!(gates)(p, &x),
        |p, d| hvp!(gates)(p, &x, d),
    );
}

#[test]
fn slices_of_a_parameter_into_its_adjoint() {
    let v = Array1::from_shape_fn(7, |i| 0.3 * i as f64 - 0.8);
    let g = grad!(windows)(&v);
    assert_all_close(&g, &fd_grad(windows, &v), 1e-6);
    let d = Array1::from_shape_fn(7, |i| (i as f64 * 0.7).cos());
    let hv = hvp!(windows)(&v, &d);
    let h = 1e-5;
    let fd = (grad!(windows)(&(&v + &(&d * h))) - grad!(windows)(&(&v - &(&d * h)))) / (2.0 * h);
    assert_all_close(&hv, &fd, 1e-6);
}
