//! Recurrent layers: outputs against PyTorch-convention references
//! (`benches/compare/recurrent_reference.py`), gradients through time against
//! central differences, `hvp!` against differences of `grad!`, bad sequences.

mod common;
#[path = "fixtures/recurrent_reference.rs"]
mod reference;

use common::*;
use hype::nn::{Gru, Init, Lstm, Rnn};
use hype::prelude::*;

const T: usize = 5;

/// Element k (row-major) of a PyTorch-layout parameter: 0.5 sin(0.37 k + c).
fn param(rows: usize, cols: usize, c: f64) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        0.5 * (0.37 * (i * cols + j) as f64 + c).sin()
    })
}

fn bias(n: usize, c: f64) -> Array1<f64> {
    Array1::from_shape_fn(n, |k| 0.5 * (0.37 * k as f64 + c).sin())
}

/// PyTorch's (weight_ih, weight_hh, bias_ih, bias_hh) for `gates`, ours transposed.
fn weights(gates: usize) -> (Array2<f64>, Array2<f64>, Array1<f64>, Array1<f64>) {
    (
        param(gates * 4, 3, 0.1).reversed_axes(),
        param(gates * 4, 4, 0.7).reversed_axes(),
        bias(gates * 4, 1.3),
        bias(gates * 4, 1.9),
    )
}

fn input() -> Array2<f64> {
    Array2::from_shape_fn((T, 3), |(t, i)| (0.5 * t as f64 + 0.3 * i as f64).cos())
}

fn h0() -> Array2<f64> {
    Array2::from_shape_fn((1, 4), |(_, j)| 0.1 * j as f64 - 0.15)
}

fn c0() -> Array2<f64> {
    Array2::from_shape_fn((1, 4), |(_, j)| 0.2 - 0.05 * j as f64)
}

fn assert_matches(out: &Array2<f64>, expect: &[[f64; 4]; T]) {
    assert_eq!(out.dim(), (T, 4));
    for t in 0..T {
        for j in 0..4 {
            assert!(
                (out[(t, j)] - expect[t][j]).abs() < 1e-12,
                "[{t},{j}] {} vs {}",
                out[(t, j)],
                expect[t][j]
            );
        }
    }
}

fn rnn() -> Rnn<3, 4> {
    let (w_ih, w_hh, b_ih, b_hh) = weights(1);
    Rnn {
        w_ih,
        w_hh,
        b_ih,
        b_hh,
    }
}

fn lstm() -> Lstm<3, 4> {
    let (w_ih, w_hh, b_ih, b_hh) = weights(4);
    Lstm {
        w_ih,
        w_hh,
        b_ih,
        b_hh,
    }
}

fn gru() -> Gru<3, 4> {
    let (w_ih, w_hh, b_ih, b_hh) = weights(3);
    Gru {
        w_ih,
        w_hh,
        b_ih,
        b_hh,
    }
}

#[test]
fn outputs_match_the_pytorch_convention_references() {
    let x = input();
    assert_matches(&rnn().forward(&x), &reference::RNN_ZERO);
    assert_matches(&rnn().forward_from(&x, &h0()), &reference::RNN_FROM);
    assert_matches(&lstm().forward(&x), &reference::LSTM_ZERO);
    assert_matches(
        &lstm().forward_from(&x, &h0(), &c0()),
        &reference::LSTM_FROM,
    );
    assert_matches(&gru().forward(&x), &reference::GRU_ZERO);
    assert_matches(&gru().forward_from(&x, &h0()), &reference::GRU_FROM);
}

/// A weighting of every hidden state, so every step's gradient matters.
fn readout() -> Array2<f64> {
    Array2::from_shape_fn((T, 4), |(t, j)| ((t * 4 + j) as f64 * 0.9).sin())
}

#[differentiable(order = 2)]
fn rnn_loss(
    l: &Rnn<3, 4>,
    h0: &Array2<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] r: &Array2<f64>,
) -> f64 {
    let y = l.forward_from(x, h0);
    (&y * &y * r).sum()
}

#[differentiable(order = 2)]
fn lstm_loss(
    l: &Lstm<3, 4>,
    h0: &Array2<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] r: &Array2<f64>,
) -> f64 {
    let y = l.forward_from(x, h0, h0);
    (&y * &y * r).sum()
}

#[differentiable(order = 2)]
fn gru_loss(
    l: &Gru<3, 4>,
    h0: &Array2<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] r: &Array2<f64>,
) -> f64 {
    let y = l.forward_from(x, h0);
    (&y * &y * r).sum()
}

macro_rules! check_layer {
    ($layer:expr, $loss:ident) => {{
        let l = $layer;
        let (x, r, h) = (input(), readout(), h0());
        let (gl, gh) = grad!($loss)(&l, &h, &x, &r);
        let fd = fd_grad(|v| $loss(&l.rebuild(v).unwrap(), &h, &x, &r), &l.flatten());
        assert_all_close(&gl.flatten(), &fd, 1e-7);
        let fdh = fd_grad(
            |v| $loss(&l, &h.rebuild(v).unwrap(), &x, &r),
            &Tangent::flatten(&h),
        );
        assert_all_close(&Tangent::flatten(&gh), &fdh, 1e-7);
        // hvp! (forward over reverse) against central differences of grad!.
        let v = l.rebuild(&l.flatten().mapv(|a| (3.0 * a).cos())).unwrap();
        let vh = h.mapv(|a| (5.0 * a).sin());
        let (hl, _) = hvp!($loss)(&l, &h, &x, &r, &v, &vh);
        let e = 1e-5;
        let mut lp = l.clone();
        lp.axpy(e, &v);
        let mut lm = l.clone();
        lm.axpy(-e, &v);
        let gp = grad!($loss)(&lp, &(&h + &(e * &vh)), &x, &r).0.flatten();
        let gm = grad!($loss)(&lm, &(&h - &(e * &vh)), &x, &r).0.flatten();
        assert_all_close(&hl.flatten(), &((gp - gm) / (2.0 * e)), 1e-6);
    }};
}

#[test]
fn rnn_gradients_through_time() {
    check_layer!(rnn(), rnn_loss);
}

#[test]
fn lstm_gradients_through_time() {
    check_layer!(lstm(), lstm_loss);
}

#[test]
fn gru_gradients_through_time() {
    check_layer!(gru(), gru_loss);
}

#[test]
fn bad_sequences_are_errors_naming_the_layer_and_sizes() {
    let l: Lstm<3, 4> = Lstm::new(Init::Glorot, 1);
    assert_eq!(
        l.check(&Array2::zeros((5, 2)), &[])
            .unwrap_err()
            .to_string(),
        "layer Lstm<3, 4> got a sequence of shape [5, 2], expected [0, 3] (0: any)"
    );
    assert_eq!(
        l.check(&Array2::zeros((0, 3)), &[])
            .unwrap_err()
            .to_string(),
        "layer Lstm<3, 4> got an empty sequence"
    );
    let g: Gru<3, 4> = Gru::new(Init::Glorot, 1);
    assert_eq!(
        g.check(&Array2::zeros((5, 3)), Some(&Array2::zeros((1, 5))))
            .unwrap_err()
            .to_string(),
        "layer Gru<3, 4> got an initial state of shape [1, 5], expected [1, 4] (0: any)"
    );
    let r: Rnn<3, 4> = Rnn::new(Init::Glorot, 1);
    assert!(r
        .check(&Array2::zeros((5, 3)), Some(&Array2::zeros((1, 4))))
        .is_ok());
}

#[differentiable]
fn rnn_truncated_loss(
    l: &Rnn<3, 4>,
    #[constant] x: &Array2<f64>,
    #[constant] r: &Array2<f64>,
    #[constant] window: usize,
) -> f64 {
    let y = l.forward_truncated(x, window);
    (&y * &y * r).sum()
}

#[differentiable]
fn gru_truncated_loss(
    l: &Gru<3, 4>,
    #[constant] x: &Array2<f64>,
    #[constant] r: &Array2<f64>,
    #[constant] window: usize,
) -> f64 {
    let y = l.forward_truncated(x, window);
    (&y * &y * r).sum()
}

#[differentiable]
fn lstm_truncated_loss(
    l: &Lstm<3, 4>,
    #[constant] x: &Array2<f64>,
    #[constant] r: &Array2<f64>,
    #[constant] window: usize,
) -> f64 {
    let y = l.forward_truncated(x, window);
    (&y * &y * r).sum()
}

/// Truncated BPTT with windows of 2 steps over T = 5: the values are the untruncated
/// ones, and the gradient is that of the same loss with each window's initial state
/// frozen at its value (windows [0, 2), [2, 4), [4, 5), each run by `forward_from` from
/// the state the full forward pass reached), by central differences.
macro_rules! check_truncated {
    ($layer:expr, $loss:ident) => {{
        let l = $layer;
        let (x, r) = (input(), readout());
        let full = l.forward(&x);
        assert_all_close(
            &Tangent::flatten(&l.forward_truncated(&x, 2)),
            &Tangent::flatten(&full),
            1e-15,
        );
        let frozen = |m: &_| {
            let mut total = 0.0;
            for (start, end) in [(0, 2), (2, 4), (4, 5)] {
                let h0 = if start == 0 {
                    Array2::zeros((1, 4))
                } else {
                    full.slice(ndarray::s![start - 1..start, ..]).to_owned()
                };
                let xw = x.slice(ndarray::s![start..end, ..]).to_owned();
                let rw = r.slice(ndarray::s![start..end, ..]);
                let y = forward_from_of(m, &xw, &h0);
                total += (&y * &y * &rw).sum();
            }
            total
        };
        let g = grad!($loss)(&l, &x, &r, 2);
        let fd = fd_grad(|v| frozen(&l.rebuild(v).unwrap()), &l.flatten());
        assert_all_close(&g.flatten(), &fd, 1e-7);
        // Windows of T steps or more: the untruncated gradient.
        let g_all = grad!($loss)(&l, &x, &r, T);
        let fd_all = fd_grad(
            |v| {
                let y = l.rebuild(v).unwrap().forward(&x);
                (&y * &y * &r).sum()
            },
            &l.flatten(),
        );
        assert_all_close(&g_all.flatten(), &fd_all, 1e-7);
        // The truncation matters here.
        let diff = (&g.flatten() - &g_all.flatten()).mapv(f64::abs).sum();
        assert!(diff > 1e-3, "truncation changed the gradient by {diff}");
    }};
}

#[test]
fn rnn_truncated_bptt() {
    fn forward_from_of(m: &Rnn<3, 4>, x: &Array2<f64>, h0: &Array2<f64>) -> Array2<f64> {
        m.forward_from(x, h0)
    }
    check_truncated!(rnn(), rnn_truncated_loss);
}

#[test]
fn gru_truncated_bptt() {
    fn forward_from_of(m: &Gru<3, 4>, x: &Array2<f64>, h0: &Array2<f64>) -> Array2<f64> {
        m.forward_from(x, h0)
    }
    check_truncated!(gru(), gru_truncated_loss);
}

#[test]
fn lstm_truncated_bptt() {
    // The cell state is not an output, so each window's frozen initial cell state is
    // not known here: values, windows ≥ T against the full gradient by central
    // differences, and windows of 3 giving another gradient.
    let l = lstm();
    let (x, r) = (input(), readout());
    let full = l.forward(&x);
    assert_all_close(
        &Tangent::flatten(&l.forward_truncated(&x, 3)),
        &Tangent::flatten(&full),
        1e-15,
    );
    let g_all = grad!(lstm_truncated_loss)(&l, &x, &r, T + 2);
    let fd_all = fd_grad(
        |v| {
            let y = l.rebuild(v).unwrap().forward(&x);
            (&y * &y * &r).sum()
        },
        &l.flatten(),
    );
    assert_all_close(&g_all.flatten(), &fd_all, 1e-7);
    let g3 = grad!(lstm_truncated_loss)(&l, &x, &r, 3);
    let diff = (&g3.flatten() - &g_all.flatten()).mapv(f64::abs).sum();
    assert!(diff > 1e-3, "truncation changed the gradient by {diff}");
}
