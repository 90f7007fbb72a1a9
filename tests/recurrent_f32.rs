//! The recurrent layers in `f32` (`Rnn<I, H, f32>`, `Lstm<I, H, f32>`,
//! `Gru<I, H, f32>`): each layer is the seeded `f64` layer rounded to `f32`, run on the
//! same input rounded. `forward_from`, `forward` and `forward_truncated` agree with
//! `f64`; the gradient of a loss over every hidden state (one generic
//! `#[differentiable]` loss instantiated at both types) agrees with `f64` and with
//! central differences of the `f64` loss, which the `f64` gradient matches to 1e-7;
//! `hvp!` at order 2 agrees with `f64`, which matches differences of `grad!`. Also
//! `new` in `f32`, `step`/`state_after`, a concrete `f32` loss against the generic one,
//! and `FeedForward<f32>` holding recurrent layers.
//!
//! Tolerances: `f32` rounds to u = 2⁻²⁴ ≈ 6e-8, the weights and inputs are rounded
//! once, and over T = 6 steps of products of length ≤ 7 with weights ≤ 0.6 the errors
//! grow by a modest factor: measured at most 3.4e-7 of the largest entry (printed with
//! `--nocapture`), so 1e-5 of it (as in `tests/nn_f32.rs`) holds with a 30× margin,
//! while a wrong term (a lost gate, a dropped step, a rule with a wrong constant in
//! f32) is off by a sizeable fraction of it.

mod common;
use common::*;
use hype::nn::{Activation, FeedForward, Gru, Init, Layer, Lstm, Rnn};
use hype::prelude::*;
use hype::{Float, Tangent};

const T: usize = 6;

fn input() -> Array2<f64> {
    Array2::from_shape_fn((T, 3), |(t, i)| (0.5 * t as f64 + 0.3 * i as f64).cos())
}

/// A weighting of every hidden state, so every step's gradient matters.
fn readout() -> Array2<f64> {
    Array2::from_shape_fn((T, 4), |(t, j)| ((t * 4 + j) as f64 * 0.9).sin())
}

fn h0() -> Array2<f64> {
    Array2::from_shape_fn((1, 4), |(_, j)| 0.1 * j as f64 - 0.15)
}

fn c0() -> Array2<f64> {
    Array2::from_shape_fn((1, 4), |(_, j)| 0.2 - 0.05 * j as f64)
}

fn f32s(a: &Array2<f64>) -> Array2<f32> {
    a.mapv(|v| v as f32)
}

/// Nonzero biases, so that every parameter enters (`new` leaves them zero).
fn biases(n: usize, c: f64) -> Array1<f64> {
    Array1::from_shape_fn(n, |k| 0.3 * (0.37 * k as f64 + c).sin())
}

/// A seeded `f64` layer of type `$ty` with `$gates` gates and nonzero biases, its
/// `f32` rounding, and the check that `new` in `f32` draws that rounding.
macro_rules! layers {
    ($ty:ident, $gates:literal, $seed:literal) => {{
        let mut l64: $ty<3, 4> = $ty::new(Init::Uniform(0.6), $seed);
        l64.b_ih = biases($gates * 4, 1.3);
        l64.b_hh = biases($gates * 4, 1.9);
        let new32: $ty<3, 4, f32> = $ty::new(Init::Uniform(0.6), $seed);
        let l32 = $ty::<3, 4, f32> {
            w_ih: l64.w_ih.mapv(|v| v as f32),
            w_hh: l64.w_hh.mapv(|v| v as f32),
            b_ih: l64.b_ih.mapv(|v| v as f32),
            b_hh: l64.b_hh.mapv(|v| v as f32),
        };
        assert_eq!(new32.w_ih, l32.w_ih);
        assert_eq!(new32.w_hh, l32.w_hh);
        assert!(new32.b_ih.iter().all(|&b| b == 0.0));
        (l64, l32)
    }};
}

/// The largest error of `a` (f32) against `b` (f64), relative to `b`'s largest entry
/// (at least 1); asserted at most 1e-5 and returned. `Tangent::flatten` widens f32
/// exactly.
#[track_caller]
fn close_f32(what: &str, a: &impl Tangent, b: &impl Tangent) -> f64 {
    let (a, b) = (a.flatten(), b.flatten());
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let err = (&a - &b).iter().fold(0.0f64, |m, d| m.max(d.abs()));
    println!("{what}: max error {:.2e} of scale {scale:.3}", err / scale);
    assert!(
        err <= 1e-5 * scale,
        "{what}: f32 {a} vs f64 {b}, max error {err:e} (scale {scale})"
    );
    err / scale
}

#[differentiable(order = 2)]
fn rnn_loss<F: Float>(
    l: &Rnn<3, 4, F>,
    h0: &Array2<F>,
    #[constant] x: &Array2<F>,
    #[constant] r: &Array2<F>,
) -> F {
    let y = l.forward_from(x, h0);
    (&y * &y * r).sum()
}

#[differentiable(order = 2)]
fn gru_loss<F: Float>(
    l: &Gru<3, 4, F>,
    h0: &Array2<F>,
    #[constant] x: &Array2<F>,
    #[constant] r: &Array2<F>,
) -> F {
    let y = l.forward_from(x, h0);
    (&y * &y * r).sum()
}

/// The same initial state for `h` and `c`, as in tests/recurrent.rs.
#[differentiable(order = 2)]
fn lstm_loss<F: Float>(
    l: &Lstm<3, 4, F>,
    h0: &Array2<F>,
    #[constant] x: &Array2<F>,
    #[constant] r: &Array2<F>,
) -> F {
    let y = l.forward_from(x, h0, h0);
    (&y * &y * r).sum()
}

#[differentiable]
fn rnn_truncated_loss<F: Float>(
    l: &Rnn<3, 4, F>,
    #[constant] x: &Array2<F>,
    #[constant] r: &Array2<F>,
    #[constant] window: usize,
) -> F {
    let y = l.forward_truncated(x, window);
    (&y * &y * r).sum()
}

#[differentiable]
fn gru_truncated_loss<F: Float>(
    l: &Gru<3, 4, F>,
    #[constant] x: &Array2<F>,
    #[constant] r: &Array2<F>,
    #[constant] window: usize,
) -> F {
    let y = l.forward_truncated(x, window);
    (&y * &y * r).sum()
}

#[differentiable]
fn lstm_truncated_loss<F: Float>(
    l: &Lstm<3, 4, F>,
    #[constant] x: &Array2<F>,
    #[constant] r: &Array2<F>,
    #[constant] window: usize,
) -> F {
    let y = l.forward_truncated(x, window);
    (&y * &y * r).sum()
}

/// The loss of `forward` (zero states) written in `f32` itself, not generic.
#[differentiable(order = 2)]
fn lstm_loss32(l: &Lstm<3, 4, f32>, #[constant] x: &Array2<f32>) -> f32 {
    let y = l.forward(x);
    (&y * &y).sum() + 0.5 * y.sum()
}

/// For one layer type: values of the three passes, the gradient (layer and initial
/// state) at f64 against central differences and at f32 against f64, `hvp!` at f64
/// against differences of `grad!` and at f32 against f64, and the truncated pass's
/// gradient at f32 against f64 (windows of 2 and of T).
macro_rules! check_layer {
    ($l64:expr, $l32:expr, $loss:ident, $trunc:ident, [$($s64:expr),*], [$($s32:expr),*]) => {{
        let (l64, l32) = ($l64, $l32);
        let (x, r, h) = (input(), readout(), h0());
        let (x32, r32, h32) = (f32s(&x), f32s(&r), f32s(&h));
        let mut worst: f64 = 0.0;

        // Values.
        let from64 = l64.forward_from(&x, &h $(, $s64)*);
        let from32 = l32.forward_from(&x32, &h32 $(, $s32)*);
        worst = worst.max(close_f32("forward_from", &from32, &from64));
        let fwd64 = l64.forward(&x);
        let fwd32 = l32.forward(&x32);
        worst = worst.max(close_f32("forward", &fwd32, &fwd64));
        // `stop_gradient(h)·1 + h·0` is `h` exactly, in f32 too.
        assert_eq!(l32.forward_truncated(&x32, 2), fwd32);
        assert_eq!(l32.forward_truncated(&x32, T), fwd32);

        // Gradients: f64 against central differences, f32 against f64.
        let (v64, (gl64, gh64)) = value_and_grad!($loss)(&l64, &h, &x, &r);
        let fd = fd_grad(|v| $loss(&l64.rebuild(v).unwrap(), &h, &x, &r), &l64.flatten());
        assert_all_close(&gl64.flatten(), &fd, 1e-7);
        let fdh = fd_grad(
            |v| $loss(&l64, &h.rebuild(v).unwrap(), &x, &r),
            &Tangent::flatten(&h),
        );
        assert_all_close(&Tangent::flatten(&gh64), &fdh, 1e-7);
        let (v32, (gl32, gh32)) = value_and_grad!($loss)(&l32, &h32, &x32, &r32);
        worst = worst.max(close_f32("loss", &v32, &v64));
        worst = worst.max(close_f32("layer gradient", &gl32, &gl64));
        worst = worst.max(close_f32("state gradient", &gh32, &gh64));
        // The f32 gradient against the f64 central differences directly.
        close_f32("layer gradient vs differences", &gl32, &fd);
        close_f32("state gradient vs differences", &gh32, &fdh);

        // hvp! (order 2): f64 against central differences of grad!, f32 against f64.
        let v = l64.rebuild(&l64.flatten().mapv(|a| (3.0 * a).cos())).unwrap();
        let vh = h.mapv(|a| (5.0 * a).sin());
        let (hl64, hh64) = hvp!($loss)(&l64, &h, &x, &r, &v, &vh);
        let e = 1e-5;
        let (mut lp, mut lm) = (l64.clone(), l64.clone());
        lp.axpy(e, &v);
        lm.axpy(-e, &v);
        let (gp, ghp) = grad!($loss)(&lp, &(&h + &(e * &vh)), &x, &r);
        let (gm, ghm) = grad!($loss)(&lm, &(&h - &(e * &vh)), &x, &r);
        assert_all_close(&hl64.flatten(), &((gp.flatten() - gm.flatten()) / (2.0 * e)), 1e-6);
        assert_all_close(
            &Tangent::flatten(&hh64),
            &((Tangent::flatten(&ghp) - Tangent::flatten(&ghm)) / (2.0 * e)),
            1e-6,
        );
        let v32 = l32.rebuild(&v.flatten()).unwrap();
        let (hl32, hh32) = hvp!($loss)(&l32, &h32, &x32, &r32, &v32, &f32s(&vh));
        worst = worst.max(close_f32("hvp (layer)", &hl32, &hl64));
        worst = worst.max(close_f32("hvp (state)", &hh32, &hh64));

        // Truncated backpropagation through time: f32 against f64 (the f64 gradient is
        // checked against its definition in tests/recurrent.rs).
        for window in [2, T] {
            let g64 = grad!($trunc)(&l64, &x, &r, window);
            let g32 = grad!($trunc)(&l32, &x32, &r32, window);
            worst = worst.max(close_f32("truncated gradient", &g32, &g64));
        }
        // Windows of T: the untruncated gradient of the zero-state loss, by differences.
        let g_all = grad!($trunc)(&l64, &x, &r, T);
        let fd_all = fd_grad(
            |v| {
                let y = l64.rebuild(v).unwrap().forward(&x);
                (&y * &y * &r).sum()
            },
            &l64.flatten(),
        );
        assert_all_close(&g_all.flatten(), &fd_all, 1e-7);
        println!("worst relative error {worst:.2e}");
    }};
}

#[test]
fn rnn_f32_agrees_with_f64() {
    let (l64, l32) = layers!(Rnn, 1, 11);
    check_layer!(l64, l32, rnn_loss, rnn_truncated_loss, [], []);
}

#[test]
fn gru_f32_agrees_with_f64() {
    let (l64, l32) = layers!(Gru, 3, 12);
    check_layer!(l64, l32, gru_loss, gru_truncated_loss, [], []);
}

#[test]
fn lstm_f32_agrees_with_f64() {
    let (l64, l32) = layers!(Lstm, 4, 13);
    // `forward_from` from distinct initial states (the loss ties `c0` to `h0`).
    let c = c0();
    let c32 = f32s(&c);
    check_layer!(l64, l32, lstm_loss, lstm_truncated_loss, [&c], [&c32]);
}

/// The generic zero-state loss that `lstm_loss32` writes in `f32`.
#[differentiable(order = 2)]
fn lstm_forward_loss<F: Float>(l: &Lstm<3, 4, F>, #[constant] x: &Array2<F>) -> F {
    let y = l.forward(x);
    (&y * &y).sum() + F::of_f64(0.5) * y.sum()
}

#[test]
fn f32_loss_is_the_generic_one_at_f32() {
    let (l64, l32) = layers!(Lstm, 4, 14);
    let x32 = f32s(&input());
    let (v, g) = value_and_grad!(lstm_loss32)(&l32, &x32);
    let (v_generic, g_generic) = value_and_grad!(lstm_forward_loss)(&l32, &x32);
    assert_eq!((v, &g), (v_generic, &g_generic));
    let dir = l32
        .rebuild(&l64.flatten().mapv(|a| (2.0 * a).sin()))
        .unwrap();
    let hv = hvp!(lstm_loss32)(&l32, &x32, &dir);
    assert_eq!(hv, hvp!(lstm_forward_loss)(&l32, &x32, &dir));
    // And against f64 (the generic loss at f64).
    let (v64, g64) = value_and_grad!(lstm_forward_loss)(&l64, &input());
    close_f32("zero-state loss", &v, &v64);
    close_f32("zero-state gradient", &g, &g64);
}

#[test]
fn f32_steps_agree_with_f64() {
    let (x, h) = (input(), h0());
    let (x32, h32) = (f32s(&x), f32s(&h));
    let (rnn64, rnn32) = layers!(Rnn, 1, 15);
    close_f32(
        "Rnn::state_after",
        &rnn32.state_after(&x32, &h32),
        &rnn64.state_after(&x, &h),
    );
    let (gru64, gru32) = layers!(Gru, 3, 16);
    close_f32(
        "Gru::step",
        &gru32.step(&x32.slice(ndarray::s![2..3, ..]).to_owned(), &h32),
        &gru64.step(&x.slice(ndarray::s![2..3, ..]).to_owned(), &h),
    );
    close_f32(
        "Gru::state_after",
        &gru32.state_after(&x32, &h32),
        &gru64.state_after(&x, &h),
    );
    let (lstm64, lstm32) = layers!(Lstm, 4, 17);
    let c = c0();
    let (h_end, c_end) = lstm32.state_after(&x32, &h32, &f32s(&c));
    let (h_end64, c_end64) = lstm64.state_after(&x, &h, &c);
    close_f32("Lstm::state_after (h)", &h_end, &h_end64);
    close_f32("Lstm::state_after (c)", &c_end, &c_end64);
}

#[test]
fn f32_bad_sequences_name_the_float_type() {
    let l: Lstm<3, 4, f32> = Lstm::new(Init::Glorot, 1);
    assert_eq!(
        l.check(&Array2::zeros((5, 2)), &[])
            .unwrap_err()
            .to_string(),
        "layer Lstm<3, 4, f32> got a sequence of shape [5, 2], expected [0, 3] (0: any)"
    );
    let g: Gru<3, 4, f32> = Gru::new(Init::Glorot, 1);
    assert_eq!(
        g.check(&Array2::zeros((0, 3)), None)
            .unwrap_err()
            .to_string(),
        "layer Gru<3, 4, f32> got an empty sequence"
    );
}

// ---------------------------------------------------------------------------------
// Recurrent layers inside FeedForward<f32>.

/// Rnn<3, 4> -> Tanh -> Gru<4, 3> -> Linear(3, 4) -> Lstm<4, 2> in the float type `F`.
fn network<F: Float>() -> FeedForward<F>
where
    for<'r> &'r F: hype::rt::Val<V = F>,
{
    FeedForward::from_layers_as(vec![
        Rnn::<3, 4, F>::new(Init::Uniform(0.6), 1).into(),
        Activation::Tanh.into(),
        Gru::<4, 3, F>::new(Init::Uniform(0.6), 3).into(),
        Layer::linear_as(3, 4, Init::Glorot, 5),
        Lstm::<4, 2, F>::new(Init::Uniform(0.6), 6).into(),
    ])
    .unwrap()
}

#[differentiable(order = 2)]
fn energy<F: Float>(m: &FeedForward<F>, x: &Array2<F>) -> F {
    let y = m.forward(x);
    (&y * &y).sum() + y.sum() * F::of_f64(0.3)
}

#[test]
fn feedforward_f32_with_recurrent_layers_agrees_with_f64() {
    let m32: FeedForward<f32> = network();
    let mut m64: FeedForward = network();
    // The same draws, rounded.
    assert_eq!(m32.flatten(), m64.flatten().mapv(|v| v as f32 as f64));
    assert_eq!(m32.layers()[2].to_string(), "Gru<4, 3, f32>");
    assert_eq!(m64.layers()[2].to_string(), "Gru<4, 3>");
    // Nonzero biases; the f32 network is the f64 one rounded.
    let bump = m64.rebuild(&Array1::from_shape_fn(m64.flat_len(), |i| {
        ((i * 7 + 3) as f64 * 0.61).sin()
    }));
    m64.axpy(0.2, &bump.unwrap());
    let m32 = m32.rebuild(&m64.flatten()).unwrap();
    let x = Array2::from_shape_fn((5, 3), |(t, j)| ((t * 3 + j) as f64 * 0.47 + 0.3).sin());
    let x32 = f32s(&x);
    close_f32("FeedForward forward", &m32.forward(&x32), &m64.forward(&x));
    let (v64, (gm64, gx64)) = value_and_grad!(energy)(&m64, &x);
    let (v32, (gm32, gx32)) = value_and_grad!(energy)(&m32, &x32);
    close_f32("FeedForward loss", &v32, &v64);
    close_f32("FeedForward gradient (layers)", &gm32, &gm64);
    close_f32("FeedForward gradient (input)", &gx32, &gx64);
    // The f64 gradient against central differences (tests/feedforward_recurrent.rs
    // checks its own network; this is the one the f32 network is compared with).
    let fd = fd_grad(|v| energy(&m64.rebuild(v).unwrap(), &x), &m64.flatten());
    assert_all_close(&gm64.flatten(), &fd, 1e-7);
    // hvp! through the layers' generated second-order code, at f32 against f64.
    let dm64 = m64
        .rebuild(&m64.flatten().mapv(|a| (3.0 * a).cos()))
        .unwrap();
    let dx64 = x.mapv(|a| (5.0 * a).sin());
    let (hm64, hx64) = hvp!(energy)(&m64, &x, &dm64, &dx64);
    let dm32 = m32.rebuild(&dm64.flatten()).unwrap();
    let (hm32, hx32) = hvp!(energy)(&m32, &x32, &dm32, &f32s(&dx64));
    close_f32("FeedForward hvp (layers)", &hm32, &hm64);
    close_f32("FeedForward hvp (input)", &hx32, &hx64);
}
