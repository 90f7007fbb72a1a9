//! `nn` in f32: one `model!` generic over its float type, differentiated at `f64`
//! (against central differences, forward against reverse) and at `f32` (against the
//! `f64` instance, within f32 precision), `hvp!` at both; a model declared in `f32`
//! (`struct Name<f32>`); `Linear<I, O, f32>`'s forward pass.

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
