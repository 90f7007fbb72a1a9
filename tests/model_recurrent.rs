//! `model!` with the recurrent layers: `Lstm<3, 5> -> Linear<5, 2>` and friends, on one
//! sequence `[T, IN]`: the forward pass against the layers run by hand, and the
//! gradient through time against central differences.

mod common;

use common::*;
use hype::nn::{Init, Linear, Lstm};
use hype::prelude::*;

hype::model! {
    /// A sequence tagger: an LSTM, then a linear readout at every step.
    pub struct Tagger = Lstm<3, 5> -> Linear<5, 2>;
}

hype::model! {
    /// Every recurrent layer in one chain.
    pub struct Stack = Rnn<3, 4> -> Gru<4, 4> -> Tanh -> Lstm<4, 3> -> Linear<3, 1>;
}

#[differentiable]
fn tagger_loss(m: &Tagger, #[constant] x: &Array2<f64>) -> f64 {
    let y = m.forward(x);
    (&y * &y).sum()
}

#[differentiable]
fn stack_loss(m: &Stack, #[constant] x: &Array2<f64>) -> f64 {
    let y = m.forward(x);
    (&y * &y).sum()
}

fn sequence(steps: usize) -> Array2<f64> {
    Array2::from_shape_fn((steps, 3), |(t, i)| (0.7 * t as f64 - 0.4 * i as f64).sin())
}

#[test]
fn tagger_is_the_layers_in_turn() {
    let m = Tagger::new(Init::Glorot, 3);
    let x = sequence(6);
    let lstm: &Lstm<3, 5> = &m.l0;
    let linear: &Linear<5, 2> = &m.l1;
    let expect = lstm.forward(&x).dot(&linear.w) + &linear.b;
    let y = m.forward(&x);
    assert_eq!(y.dim(), (6, 2));
    assert_all_close(&Tangent::flatten(&y), &Tangent::flatten(&expect), 1e-15);
    assert_eq!((Tagger::INPUT, Tagger::OUTPUT), (3, 2));
}

#[test]
fn recurrent_model_gradients_through_time() {
    let m = Tagger::new(Init::Glorot, 4);
    let x = sequence(5);
    let g = grad!(tagger_loss)(&m, &x);
    let fd = fd_grad(|v| tagger_loss(&m.rebuild(v).unwrap(), &x), &m.flatten());
    assert_all_close(&g.flatten(), &fd, 1e-7);

    let s = Stack::new(Init::Glorot, 5);
    let g = grad!(stack_loss)(&s, &x);
    let fd = fd_grad(|v| stack_loss(&s.rebuild(v).unwrap(), &x), &s.flatten());
    assert_all_close(&g.flatten(), &fd, 1e-7);
}

hype::model! {
    /// The tagger declared in f32.
    pub struct Tagger32<f32> = Lstm<3, 5> -> Linear<5, 2>;
}

#[differentiable]
fn tagger32_loss(m: &Tagger32, #[constant] x: &Array2<f32>) -> f32 {
    let y = m.forward(x);
    (&y * &y).sum()
}

#[test]
fn recurrent_model_in_f32_follows_f64() {
    // Same seed: the f32 layers hold the f64 weights rounded.
    let (m64, m32) = (Tagger::new(Init::Glorot, 4), Tagger32::new(Init::Glorot, 4));
    assert_eq!(m32.flatten(), m64.flatten().mapv(|v| v as f32 as f64));
    let x = sequence(5);
    let x32 = x.mapv(|v| v as f32);
    let (y64, y32) = (m64.forward(&x), m32.forward(&x32));
    let scale = y64.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    for (a, b) in y32.iter().zip(&y64) {
        assert!((*a as f64 - b).abs() <= 1e-5 * scale, "forward {a} vs {b}");
    }
    // The f32 gradient through time against the f64 one, within f32 precision.
    let (g64, g32) = (
        grad!(tagger_loss)(&m64, &x).flatten(),
        grad!(tagger32_loss)(&m32, &x32).flatten(),
    );
    let scale = g64.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    for (a, b) in g32.iter().zip(&g64) {
        assert!((a - b).abs() <= 1e-5 * scale, "gradient {a} vs {b}");
    }
}
