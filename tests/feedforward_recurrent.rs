//! Recurrent layers inside `nn::FeedForward` (`Layer::Sequence`): a network holding one
//! takes one sequence `[T, I]` (rows are steps). Its output against the layers run by
//! hand; the gradient of a loss through `m.forward(x)` (parameters and input) against
//! central differences; `jvp!` against the gradient; `hvp!` (order 2, through the
//! layers' generated `forward__dir__fwd`/`forward__dir__rev`) against differences of
//! `grad!`; the `Tangent` operations; bad sizes as errors or panics naming the layer.

mod common;
use common::*;
use hype::nn::{Activation, FeedForward, Gru, Init, Layer, Lstm, Rnn};
use hype::prelude::*;
use hype::Tangent;

/// A deterministic vector shaped like `p`.
fn direction<P: Tangent>(p: &P, seed: usize) -> P {
    let n = p.flat_len();
    let flat = Array1::from_shape_fn(n, |i| ((i * 7 + seed * 13 + 3) as f64 * 0.61).sin());
    p.rebuild(&flat).unwrap()
}

fn sequence() -> Array2<f64> {
    Array2::from_shape_fn((5, 3), |(t, j)| ((t * 3 + j) as f64 * 0.47 + 0.3).sin())
}

/// Rnn<3, 4> -> Tanh -> Gru<4, 3> -> Linear(3, 4) -> Lstm<4, 2>, nonzero biases.
fn network() -> FeedForward {
    let mut m = FeedForward::from_layers(vec![
        Rnn::<3, 4>::new(Init::Uniform(0.6), 1).into(),
        Activation::Tanh.into(),
        Gru::<4, 3>::new(Init::Uniform(0.6), 3).into(),
        Layer::linear(3, 4, Init::Glorot, 5),
        Lstm::<4, 2>::new(Init::Uniform(0.6), 6).into(),
    ])
    .unwrap();
    let bump = direction(&m, 4);
    m.axpy(0.2, &bump);
    m
}

#[differentiable(order = 2)]
fn energy(m: &FeedForward, x: &Array2<f64>) -> f64 {
    let y = m.forward(x);
    (&y * &y).sum() + y.sum() * 0.3
}

#[test]
fn output_is_the_layers_run_in_turn() {
    let m = network();
    let x = sequence();
    let y = m.forward(&x);
    let layers = m.layers();
    let as_ = |k: usize| match &layers[k] {
        Layer::Sequence(l) => l.clone(),
        other => panic!("layer {k} is {other}"),
    };
    let rnn: Rnn<3, 4> = as_(0).as_any().downcast_ref::<Rnn<3, 4>>().unwrap().clone();
    let gru: Gru<4, 3> = as_(2).as_any().downcast_ref::<Gru<4, 3>>().unwrap().clone();
    let lstm: Lstm<4, 2> = as_(4)
        .as_any()
        .downcast_ref::<Lstm<4, 2>>()
        .unwrap()
        .clone();
    let Layer::Linear { w, b } = &layers[3] else {
        panic!("layer 3")
    };
    let h = ops::tanh(&rnn.forward(&x));
    let h = gru.forward(&h).dot(w) + b;
    let expected = lstm.forward(&h);
    assert_eq!(y.dim(), (5, 2));
    for (a, e) in y.iter().zip(expected.iter()) {
        assert!((a - e).abs() < 1e-14, "{a} against {e}");
    }
    assert_eq!(m.inputs(), Some(3));
    assert_eq!(m.outputs(), Some(2));
    assert_eq!(m.layers()[2].to_string(), "Gru<4, 3>");
}

#[test]
fn gradient_wrt_layers_and_sequence_matches_central_differences() {
    let p = (network(), sequence());
    let (gm, gx) = grad!(energy)(&p.0, &p.1);
    let g = (gm, gx).flatten();
    let flat = p.flatten();
    let f = |v: &Array1<f64>| {
        let (m, x) = p.rebuild(v).unwrap();
        energy(&m, &x)
    };
    assert_eq!(
        flat.len(),
        3 * 4 + 4 * 4 + 8 + 3 * (4 * 3 + 3 * 3 + 6) + 16 + 4 * 8 + 2 * 8 + 16 + 15
    );
    assert_all_close(&g, &fd_grad(f, &flat), 1e-7);
    assert!(g.iter().filter(|v| v.abs() > 1e-3).count() > flat.len() / 2);
    // Forward mode along a direction agrees with the gradient.
    let (vm, vx) = (direction(&p.0, 1), direction(&p.1, 2));
    let (value, d) = jvp!(energy)(&p.0, &p.1, &vm, &vx);
    assert_close(value, energy(&p.0, &p.1), 1e-13);
    assert_close(d, g.dot(&(vm, vx).flatten()), 1e-11);
}

#[test]
fn hvp_matches_differences_of_the_gradient() {
    let p = (network(), sequence());
    let v = (direction(&p.0, 5), direction(&p.1, 6));
    let (hm, hx) = hvp!(energy)(&p.0, &p.1, &v.0, &v.1);
    let h = 1e-5;
    let at = |s: f64| {
        let mut q = p.clone();
        q.axpy(s, &v);
        let (gm, gx) = grad!(energy)(&q.0, &q.1);
        (gm, gx).flatten()
    };
    let fd = (&at(h) - &at(-h)) / (2.0 * h);
    let hv = (hm, hx).flatten();
    assert_all_close(&hv, &fd, 1e-7);
    assert!(hv.iter().any(|x| x.abs() > 1e-2), "hvp {hv}");
}

#[test]
fn tangent_operations_act_on_the_recurrent_parameters() {
    let m = network();
    let n = m.flat_len();
    let back = m.rebuild(&m.flatten()).unwrap();
    assert_eq!(back, m);
    let mut z = m.zero_like();
    assert_eq!(z.flatten(), Array1::<f64>::zeros(n));
    z.axpy(2.0, &m);
    assert_close(z.inner(&m), 2.0 * m.inner(&m), 1e-14);
    z.scale(0.5);
    assert_eq!(z, m);
    assert_ne!(m.zero_like(), m);
}

#[test]
fn sizes_are_checked_against_recurrent_layers() {
    let mut m = FeedForward::new();
    m.add(Lstm::<3, 4>::new(Init::Glorot, 1)).unwrap();
    let err = m.add(Layer::linear(5, 2, Init::Glorot, 2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer 0 (Lstm<3, 4>) gives 4 outputs but layer 1 (Linear(5 -> 2)) takes 5 inputs"
    );
    let err = m.add(Gru::<5, 2>::new(Init::Glorot, 2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer 0 (Lstm<3, 4>) gives 4 outputs but layer 1 (Gru<5, 2>) takes 5 inputs"
    );
    assert_eq!(m.len(), 1);
}

#[test]
#[should_panic(
    expected = "layer 1 of a FeedForward: layer Rnn<4, 2> got a sequence of shape [5, 3], expected [0, 4]"
)]
fn a_sequence_of_the_wrong_width_names_the_layer_and_both_shapes() {
    let m = FeedForward::from_layers(vec![
        Activation::Tanh.into(),
        Rnn::<4, 2>::new(Init::Glorot, 1).into(),
    ])
    .unwrap();
    m.forward(&sequence());
}

#[test]
#[should_panic(expected = "layer 0 of a FeedForward: layer Gru<3, 2> got an empty sequence")]
fn an_empty_sequence_names_the_layer() {
    let m = FeedForward::from_layers(vec![Gru::<3, 2>::new(Init::Glorot, 1).into()]).unwrap();
    m.forward(&Array2::zeros((0, 3)));
}
