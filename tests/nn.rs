//! Layers and models: gradients of the parameters (a `Tangent` struct) against
//! finite differences, and through the input.

mod common;
use common::*;
use hype::nn::{Init, Linear};
use hype::prelude::*;

hype::model! {
    /// A small MLP for the tests.
    pub struct Small = Linear<4, 5> -> Tanh -> Linear<5, 3> -> Relu -> Linear<3, 2>;
}

#[differentiable]
fn small_loss(m: &Small, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let logits = m.forward(x);
    ops::cross_entropy_on_linear(&logits, y)
}

fn data() -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((6, 4), |(i, j)| ((i * 4 + j) as f64 * 0.37).sin());
    let y = Array2::from_shape_fn((6, 2), |(i, j)| if i % 2 == j { 1.0 } else { 0.0 });
    (x, y)
}

#[test]
fn model_gradient_matches_finite_differences() {
    let m = Small::new(Init::Glorot, 7);
    assert_eq!((Small::INPUT, Small::OUTPUT), (4, 2));
    let (x, y) = data();
    let g: Small = grad!(small_loss)(&m, &x, &y);
    let flat = m.flatten();
    let fd = fd_grad(|v| small_loss(&m.rebuild(v).unwrap(), &x, &y), &flat);
    assert_all_close(&g.flatten(), &fd, 1e-6);
    // Forward mode along a direction agrees.
    let dir = flat.mapv(|v| (3.0 * v).cos());
    let (_, d) = jvp!(small_loss)(&m, &x, &y, &m.rebuild(&dir).unwrap());
    assert_close(d, g.flatten().dot(&dir), 1e-10);
}

#[differentiable]
fn input_sensitivity(layer: &Linear<3, 2>, x: &Array2<f64>) -> f64 {
    let h = layer.forward(x);
    (&h * &h).sum()
}

#[test]
fn linear_layer_gradients_wrt_parameters_and_input() {
    let layer: Linear<3, 2> = Linear::new(Init::Uniform(0.5), 3);
    let x = array![[0.2, -0.4, 1.0], [0.7, 0.1, -0.3]];
    let (gl, gx) = grad!(input_sensitivity)(&layer, &x);
    let fdl = fd_grad(
        |v| input_sensitivity(&layer.rebuild(v).unwrap(), &x),
        &layer.flatten(),
    );
    assert_all_close(&gl.flatten(), &fdl, 1e-6);
    let xf = Array1::from_iter(x.iter().copied());
    let fdx = fd_grad(
        |v| input_sensitivity(&layer, &v.clone().into_shape_with_order((2, 3)).unwrap()),
        &xf,
    );
    assert_all_close(&Array1::from_iter(gx.iter().copied()), &fdx, 1e-6);
}

#[test]
#[should_panic(expected = "layer Linear<3, 2> got an input with 4 columns, expected 3")]
fn wrong_input_width_names_the_layer() {
    let layer: Linear<3, 2> = Linear::new(Init::Glorot, 1);
    let _ = layer.forward(&Array2::zeros((2, 4)));
}

#[test]
fn initializers_have_the_documented_scale() {
    let w = Init::Glorot.weights(300, 100, 1);
    let a = (6.0f64 / 400.0).sqrt();
    assert!(w.iter().all(|v| v.abs() <= a));
    let he = Init::He.weights(400, 400, 2);
    let var = he.iter().map(|v| v * v).sum::<f64>() / he.len() as f64;
    assert!(
        (var - 2.0 / 400.0).abs() < 0.1 * 2.0 / 400.0,
        "He variance {var}"
    );
}

#[test]
#[should_panic(
    expected = "model Small: layer Linear<4, 5> got an input with 6 columns, expected 4"
)]
fn wrong_model_input_width_names_the_model_and_layer() {
    let m = Small::new(Init::Glorot, 1);
    let _ = m.forward(&Array2::zeros((2, 6)));
}
