//! `nn` in f32: one `model!` generic over its float type, differentiated at `f64`
//! (against central differences, forward against reverse) and at `f32` (against the
//! `f64` instance, within f32 precision), `hvp!` at both; a model declared in `f32`
//! (`struct Name<f32>`); `Linear<I, O, f32>`'s forward pass; `FeedForward<f32>` (its
//! hand-written rules at both orders, `Loss`, and training against `f64`).

mod common;
use common::*;
use hype::nn::{Init, Linear};
use hype::prelude::*;
use hype::Float;

hype::model! {
    /// A 4-8-3 tanh MLP, `Mlp<f32>` or `Mlp<f64>`.
    pub struct Mlp<F> = Linear<4, 8> -> Tanh -> Linear<8, 3>;
}

#[differentiable(order = 2)]
fn mlp_loss<F: Float>(m: &Mlp<F>, #[constant] x: &Array2<F>, #[constant] y: &Array2<F>) -> F {
    let logits = m.forward(x);
    ops::cross_entropy_on_linear(&logits, y)
}

hype::model! {
    /// The same network declared in f32 (not generic).
    pub struct Mlp32<f32> = Linear<4, 8> -> Tanh -> Linear<8, 3>;
}

#[differentiable(order = 2)]
fn mlp32_loss(m: &Mlp32, #[constant] x: &Array2<f32>, #[constant] y: &Array2<f32>) -> f32 {
    ops::cross_entropy_on_linear(&m.forward(x), y)
}

#[test]
fn model_declared_in_f32_matches_the_generic_one() {
    let m: Mlp<f32> = Mlp::new(Init::Glorot, 5);
    let m32 = Mlp32::new(Init::Glorot, 5);
    assert_eq!(m.flatten(), m32.flatten());
    let (x, y) = data();
    let (x32, y32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32));
    let (l, g) = value_and_grad!(mlp_loss)(&m, &x32, &y32);
    let (l32, g32) = value_and_grad!(mlp32_loss)(&m32, &x32, &y32);
    assert_eq!(l, l32);
    assert_eq!(g.flatten(), g32.flatten());
    let hv = hvp!(mlp32_loss)(&m32, &x32, &y32, &g32);
    let hv_generic: Mlp<f32> = hvp!(mlp_loss)(&m, &x32, &y32, &g);
    assert_eq!(hv.flatten(), hv_generic.flatten());
}

fn data() -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((6, 4), |(i, j)| ((i * 4 + j) as f64 * 0.37).sin());
    let y = Array2::from_shape_fn((6, 3), |(i, j)| if i % 3 == j { 1.0 } else { 0.0 });
    (x, y)
}

/// The `f64` model rounded to `f32`, field by field.
fn to_f32(m: &Mlp<f64>) -> Mlp<f32> {
    Mlp {
        l0: Linear {
            w: m.l0.w.mapv(|v| v as f32),
            b: m.l0.b.mapv(|v| v as f32),
        },
        l1: Linear {
            w: m.l1.w.mapv(|v| v as f32),
            b: m.l1.b.mapv(|v| v as f32),
        },
    }
}

/// `a` (f32) agrees with `b` (f64) within f32 precision relative to `b`'s largest entry.
#[track_caller]
fn close_f32(what: &str, a: &Array1<f64>, b: &Array1<f64>) {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        assert!(
            (x - y).abs() <= 1e-5 * scale,
            "{what}[{i}]: f32 {x} vs f64 {y} (scale {scale})"
        );
    }
}

#[test]
fn f64_mlp_gradient_matches_central_differences() {
    let m: Mlp = Mlp::new(Init::Glorot, 7);
    assert_eq!((Mlp::<f64>::INPUT, Mlp::<f32>::OUTPUT), (4, 3));
    let (x, y) = data();
    let g: Mlp = grad!(mlp_loss)(&m, &x, &y);
    let flat = m.flatten();
    let fd = fd_grad(|v| mlp_loss(&m.rebuild(v).unwrap(), &x, &y), &flat);
    assert_all_close(&g.flatten(), &fd, 1e-7);
    let dir = flat.mapv(|v| (3.0 * v).cos());
    let (_, d) = jvp!(mlp_loss)(&m, &x, &y, &m.rebuild(&dir).unwrap());
    assert_close(d, g.flatten().dot(&dir), 1e-12);
}

#[test]
fn f32_mlp_gradient_agrees_with_f64() {
    let m64: Mlp<f64> = Mlp::new(Init::Glorot, 7);
    let m32: Mlp<f32> = Mlp::new(Init::Glorot, 7);
    // The same draws, rounded.
    assert_eq!(m32.flatten(), to_f32(&m64).flatten());
    let (x, y) = data();
    let (x32, y32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32));
    let (l64, g64) = value_and_grad!(mlp_loss)(&m64, &x, &y);
    let (l32, g32): (f32, Mlp<f32>) = value_and_grad!(mlp_loss)(&m32, &x32, &y32);
    assert!(
        (l32 as f64 - l64).abs() <= 1e-6 * l64.abs().max(1.0),
        "loss: f32 {l32} vs f64 {l64}"
    );
    close_f32("gradient", &g32.flatten(), &g64.flatten());
}

#[test]
fn f32_mlp_hvp_agrees_with_f64_and_differences_of_grad() {
    let m64: Mlp = Mlp::new(Init::Glorot, 11);
    let m32 = to_f32(&m64);
    let (x, y) = data();
    let (x32, y32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32));
    let flat = m64.flatten();
    let v64 = m64.rebuild(&flat.mapv(|v| (5.0 * v).sin())).unwrap();
    let v32 = to_f32(&v64);
    let hv64: Mlp = hvp!(mlp_loss)(&m64, &x, &y, &v64);
    // f64: against central differences of the gradient along v.
    let h = 1e-5;
    let vf = v64.flatten();
    let gp: Mlp = grad!(mlp_loss)(&m64.rebuild(&(&flat + &(&vf * h))).unwrap(), &x, &y);
    let gm: Mlp = grad!(mlp_loss)(&m64.rebuild(&(&flat - &(&vf * h))).unwrap(), &x, &y);
    let fd = (gp.flatten() - gm.flatten()) / (2.0 * h);
    assert_all_close(&hv64.flatten(), &fd, 1e-7);
    let hv32: Mlp<f32> = hvp!(mlp_loss)(&m32, &x32, &y32, &v32);
    close_f32("hvp", &hv32.flatten(), &hv64.flatten());
}

#[differentiable(order = 2)]
fn layer_loss(l: &Linear<3, 2>, #[constant] x: &Array2<f64>, #[constant] t: &Array2<f64>) -> f64 {
    let d = l.forward(x) - t;
    (&d * &d).sum()
}

#[differentiable(order = 2)]
fn layer_loss32(
    l: &Linear<3, 2, f32>,
    #[constant] x: &Array2<f32>,
    #[constant] t: &Array2<f32>,
) -> f32 {
    let d = l.forward(x) - t;
    (&d * &d).sum()
}

#[test]
fn f32_linear_layer_forward_agrees_with_f64() {
    let l64: Linear<3, 2> = Linear::new(Init::Uniform(0.5), 3);
    let l32: Linear<3, 2, f32> = Linear::new(Init::Uniform(0.5), 3);
    let x = array![[0.2, -0.4, 1.0], [0.7, 0.1, -0.3]];
    let t = array![[0.5, -0.25], [1.0, 0.0]];
    let g64 = grad!(layer_loss)(&l64, &x, &t);
    let fd = fd_grad(
        |v| layer_loss(&l64.rebuild(v).unwrap(), &x, &t),
        &l64.flatten(),
    );
    assert_all_close(&g64.flatten(), &fd, 1e-7);
    let g32: Linear<3, 2, f32> =
        grad!(layer_loss32)(&l32, &x.mapv(|v| v as f32), &t.mapv(|v| v as f32));
    close_f32("linear gradient", &g32.flatten(), &g64.flatten());
}

#[test]
#[should_panic(expected = "layer Linear<3, 2> got an input with 4 columns, expected 3")]
fn f32_wrong_input_width_names_the_layer() {
    let layer: Linear<3, 2, f32> = Linear::new(Init::Glorot, 1);
    let _ = layer.forward(&Array2::zeros((2, 4)));
}

// ---------------------------------------------------------------------------------
// FeedForward in f32.

use hype::nn::{Activation, FeedForward, Layer, Loss};

/// A loss through a `FeedForward` of either float type.
#[differentiable(order = 2)]
fn ff_loss<F: Float>(
    m: &FeedForward<F>,
    #[constant] x: &Array2<F>,
    #[constant] y: &Array2<F>,
) -> F {
    hype::nn::loss::cross_entropy_on_linear(&m.forward(x), y)
}

/// 4 → 6 (tanh) → 5 without bias (sigmoid) → 5 (softplus) → 3: every kind of layer
/// with weights and three activations with second derivatives.
fn ff<F: Float>() -> FeedForward<F> {
    FeedForward::from_layers_as(vec![
        Layer::linear_as(4, 6, Init::Glorot, 1),
        Activation::Tanh.into(),
        Layer::linear_no_bias_as(6, 5, Init::Glorot, 2),
        Activation::Sigmoid.into(),
        Layer::linear_as(5, 5, Init::Uniform(0.7), 3),
        Activation::Softplus.into(),
        Layer::linear_as(5, 3, Init::Glorot, 4),
    ])
    .unwrap()
}

#[test]
fn f64_feedforward_gradient_and_hvp_match_differences() {
    let m: FeedForward = ff();
    let (x, y) = data();
    let g: FeedForward = grad!(ff_loss)(&m, &x, &y);
    let flat = m.flatten();
    let fd = fd_grad(|v| ff_loss(&m.rebuild(v).unwrap(), &x, &y), &flat);
    assert_all_close(&g.flatten(), &fd, 1e-7);
    let dir = m.rebuild(&flat.mapv(|v| (3.0 * v).cos())).unwrap();
    let (_, d) = jvp!(ff_loss)(&m, &x, &y, &dir);
    assert_close(d, g.flatten().dot(&dir.flatten()), 1e-12);
    let hv: FeedForward = hvp!(ff_loss)(&m, &x, &y, &dir);
    let h = 1e-5;
    let vf = dir.flatten();
    let gp: FeedForward = grad!(ff_loss)(&m.rebuild(&(&flat + &(&vf * h))).unwrap(), &x, &y);
    let gm: FeedForward = grad!(ff_loss)(&m.rebuild(&(&flat - &(&vf * h))).unwrap(), &x, &y);
    assert_all_close(
        &hv.flatten(),
        &((gp.flatten() - gm.flatten()) / (2.0 * h)),
        1e-7,
    );
}

#[test]
fn f32_feedforward_agrees_with_f64() {
    let (m64, m32): (FeedForward, FeedForward<f32>) = (ff(), ff());
    // The same draws, rounded (`Tangent::flatten` widens f32 exactly).
    assert_eq!(m32.flatten(), m64.flatten().mapv(|v| v as f32 as f64));
    let (x, y) = data();
    let (x32, y32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32));
    let out64 = m64.forward(&x);
    let out32 = m32.forward(&x32);
    close_f32(
        "forward",
        &Array1::from_iter(out32.iter().map(|&v| v as f64)),
        &Array1::from_iter(out64.iter().copied()),
    );
    let (l64, g64) = value_and_grad!(ff_loss)(&m64, &x, &y);
    let (l32, g32): (f32, FeedForward<f32>) = value_and_grad!(ff_loss)(&m32, &x32, &y32);
    assert!(
        (l32 as f64 - l64).abs() <= 1e-6 * l64,
        "loss: f32 {l32} vs f64 {l64}"
    );
    close_f32("gradient", &g32.flatten(), &g64.flatten());
    // The hand-written reverse pass with `Loss` is the generated one.
    let (l_rule, g_rule) = m32.value_and_grad(&x32, &y32, Loss::CrossEntropyOnLinear);
    assert_eq!(l_rule, l32);
    close_f32("value_and_grad", &g_rule.flatten(), &g64.flatten());
    // Forward mode and hvp! (the rules of forward__dir) at f32 against f64.
    let dir64 = m64
        .rebuild(&m64.flatten().mapv(|v| (5.0 * v).sin()))
        .unwrap();
    let dir32 = m32.rebuild(&dir64.flatten()).unwrap();
    let (_, d64) = jvp!(ff_loss)(&m64, &x, &y, &dir64);
    let (_, d32) = jvp!(ff_loss)(&m32, &x32, &y32, &dir32);
    assert!(
        (d32 as f64 - d64).abs() <= 1e-5 * d64.abs(),
        "jvp: f32 {d32} vs f64 {d64}"
    );
    let hv64: FeedForward = hvp!(ff_loss)(&m64, &x, &y, &dir64);
    let hv32: FeedForward<f32> = hvp!(ff_loss)(&m32, &x32, &y32, &dir32);
    close_f32("hvp", &hv32.flatten(), &hv64.flatten());
}

#[test]
fn f32_feedforward_trains_like_f64() {
    use hype::optim::{train, LearningRate, Momentum, TrainParams};
    let x = Array2::from_shape_fn((60, 4), |(i, j)| ((i * 4 + j) as f64 * 0.37).sin());
    // Class = the largest of three fixed projections of the input.
    let y = Array2::from_shape_fn((60, 3), |(i, k)| {
        let score = |c: usize| {
            (0..4)
                .map(|j| x[[i, j]] * ((c * 4 + j) as f64).cos())
                .sum::<f64>()
        };
        let best = (0..3)
            .max_by(|&a, &b| score(a).total_cmp(&score(b)))
            .unwrap();
        if best == k {
            1.0
        } else {
            0.0
        }
    });
    let data = hype::data::Dataset::new(x.clone(), y.clone()).unwrap();
    let mut params = TrainParams::minibatch(20)
        .epochs(40)
        .learning_rate(LearningRate::Constant(0.2))
        .progress(false);
    params.optim.momentum = Momentum::Momentum(0.9);
    let (mut m64, mut m32): (FeedForward, FeedForward<f32>) = (ff(), ff());
    let loss = Loss::CrossEntropyOnLinear;
    let r64 = train(&mut m64, &data, &params, FeedForward::loss_fn(loss)).unwrap();
    let r32 = train(&mut m32, &data, &params, FeedForward::loss_fn_as(loss)).unwrap();
    assert_eq!(r32.iterations, r64.iterations);
    let (a, b) = (r32.loss_history[0], r64.loss_history[0]);
    assert!((a - b).abs() <= 1e-6 * b, "first loss f32 {a} vs f64 {b}");
    let (first, last) = (r32.epoch_losses[0], *r32.epoch_losses.last().unwrap());
    let l64 = loss.value(&m64.forward(&x), &y);
    let l32 = loss.value_as(&m32.forward(&x.mapv(|v| v as f32)), &y.mapv(|v| v as f32)) as f64;
    println!("f32 epoch loss {first:.4} -> {last:.4}; final loss f32 {l32:.9} f64 {l64:.9}");
    assert!(last < 0.5 * first, "f32 loss {first} -> {last}");
    // Measured: 1.4e-6 relative.
    assert!(
        (l32 - l64).abs() <= 1e-5 * l64,
        "final loss f32 {l32} vs f64 {l64}"
    );
}
