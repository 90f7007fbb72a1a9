//! Layers, FeedForward, losses and regularization: gradients (reverse mode) and
//! directional derivatives (forward mode) against central finite differences, closed
//! forms, and size checks.

extern crate hype_runtime as hype;

use hype::nn::{
    classification_error, regularized, Activation, FeedForward, Init, Layer, Linear, LinearNoBias,
    Loss, NnError, Regularization,
};
use hype::{differentiable, nn, ops, Tangent};
use hype_macros::{grad, jvp, value_and_grad};
use ndarray::{array, Array1, Array2, ArrayView2};

/// Central differences, step 1e-6.
fn fd_grad(f: impl Fn(&Array1<f64>) -> f64, x: &Array1<f64>) -> Array1<f64> {
    let h = 1e-6;
    Array1::from_shape_fn(x.len(), |i| {
        let (mut p, mut m) = (x.clone(), x.clone());
        p[i] += h;
        m[i] -= h;
        (f(&p) - f(&m)) / (2.0 * h)
    })
}

#[track_caller]
fn assert_close(a: &Array1<f64>, b: &Array1<f64>, tol: f64) {
    assert_eq!(a.len(), b.len());
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs())),
            "entry {k}: {x} vs {y}"
        );
    }
}

fn flat2(a: &Array2<f64>) -> Array1<f64> {
    a.iter().copied().collect()
}

fn shaped(v: &Array1<f64>, r: usize, c: usize) -> Array2<f64> {
    v.clone().into_shape_with_order((r, c)).unwrap()
}

fn input(r: usize, c: usize, s: f64) -> Array2<f64> {
    Array2::from_shape_fn((r, c), |(i, j)| ((i * c + j) as f64 * s + 0.3).sin())
}

#[differentiable]
fn no_bias_energy(layer: &LinearNoBias<3, 2>, x: &Array2<f64>) -> f64 {
    let h = layer.forward(x);
    (&h * &h).sum()
}

#[test]
fn linear_no_bias_gradients_wrt_weights_and_input() {
    let layer: LinearNoBias<3, 2> = LinearNoBias::new(Init::Uniform(0.7), 5);
    let x = input(4, 3, 0.9);
    let (gl, gx) = grad!(no_bias_energy)(&layer, &x);
    let fdl = fd_grad(
        |v| no_bias_energy(&layer.rebuild(v).unwrap(), &x),
        &layer.flatten(),
    );
    assert_close(&gl.flatten(), &fdl, 1e-7);
    let fdx = fd_grad(|v| no_bias_energy(&layer, &shaped(v, 4, 3)), &flat2(&x));
    assert_close(&flat2(&gx), &fdx, 1e-7);
    // Closed form: d/dW sum (xW)² = 2 xᵀ x W.
    let closed = 2.0 * x.t().dot(&x).dot(&layer.w);
    assert_close(&gl.w.iter().copied().collect(), &flat2(&closed), 1e-12);
}

#[test]
#[should_panic(expected = "layer LinearNoBias<3, 2> got an input with 5 columns, expected 3")]
fn linear_no_bias_names_itself_on_a_wrong_width() {
    let layer: LinearNoBias<3, 2> = LinearNoBias::new(Init::Glorot, 1);
    let _ = layer.forward(&Array2::zeros((1, 5)));
}

/// Every kind of layer and activation.
fn net() -> FeedForward {
    FeedForward::from_layers(vec![
        Layer::linear(3, 5, Init::Glorot, 1),
        Activation::Tanh.into(),
        Layer::linear_no_bias(5, 4, Init::Uniform(0.8), 2),
        Activation::Sigmoid.into(),
        Layer::linear(4, 4, Init::Glorot, 3),
        Activation::Softplus.into(),
        Layer::linear(4, 3, Init::Normal(0.5), 4),
        Activation::Relu.into(),
        Activation::Identity.into(),
        Layer::linear(3, 2, Init::Glorot, 5),
    ])
    .unwrap()
}

fn with_bias(mut m: FeedForward) -> FeedForward {
    // Nonzero biases, so that their gradients are tested at a generic point.
    let flat = m.flatten();
    let shifted = Array1::from_shape_fn(flat.len(), |i| flat[i] + 0.05 * (i as f64).cos());
    m = m.rebuild(&shifted).unwrap();
    m
}

#[test]
fn feedforward_pullback_matches_finite_differences() {
    let m = with_bias(net());
    let x = input(6, 3, 0.7);
    let c = input(6, 2, 1.3); // the output cotangent
    let f = |m: &FeedForward, x: &Array2<f64>| (&m.forward(x) * &c).sum();
    let (y, pullback) = m.forward_vjp(&x);
    assert_eq!(y, m.forward(&x));
    let (gm, gx) = pullback(&c);
    let fdm = fd_grad(|v| f(&m.rebuild(v).unwrap(), &x), &m.flatten());
    assert_close(&gm.flatten(), &fdm, 1e-7);
    let fdx = fd_grad(|v| f(&m, &shaped(v, 6, 3)), &flat2(&x));
    assert_close(&flat2(&gx), &fdx, 1e-7);
}

#[test]
fn feedforward_tangent_matches_finite_differences_and_the_pullback() {
    let m = with_bias(net());
    let x = input(5, 3, 0.4);
    let dm = m.rebuild(&m.flatten().mapv(|v| (2.0 * v).sin())).unwrap();
    let dx = input(5, 3, 2.1);
    let (y, dy) = m.forward_jvp(&x, &dm, &dx);
    assert_eq!(y, m.forward(&x));
    // Central difference of the output along (dm, dx).
    let h = 1e-6;
    let at = |s: f64| {
        let mut ms = m.clone();
        ms.axpy(s, &dm);
        ms.forward(&(&x + &(s * &dx)))
    };
    let fd = (at(h) - at(-h)) / (2.0 * h);
    assert_close(&flat2(&dy), &flat2(&fd), 1e-7);
    // <c, J d> = <Jᵀ c, d>.
    let c = input(5, 2, 0.8);
    let (_, pullback) = m.forward_vjp(&x);
    let (gm, gx) = pullback(&c);
    let lhs = (&c * &dy).sum();
    let rhs = gm.inner(&dm) + (&gx * &dx).sum();
    assert!(
        (lhs - rhs).abs() < 1e-12 * lhs.abs().max(1.0),
        "{lhs} vs {rhs}"
    );
}

#[differentiable]
fn ff_loss(m: &FeedForward, x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let p = m.forward(x);
    nn::loss::quadratic_loss(&p, y) + 0.01 * ops::l2(&p)
}

#[test]
fn feedforward_inside_differentiable_code() {
    let m = with_bias(net());
    let x = input(4, 3, 1.1);
    let y = input(4, 2, 0.5);
    let (v, (gm, gx)) = value_and_grad!(ff_loss)(&m, &x, &y);
    assert_eq!(v, ff_loss(&m, &x, &y));
    let fdm = fd_grad(|p| ff_loss(&m.rebuild(p).unwrap(), &x, &y), &m.flatten());
    assert_close(&gm.flatten(), &fdm, 1e-7);
    let fdx = fd_grad(|p| ff_loss(&m, &shaped(p, 4, 3), &y), &flat2(&x));
    assert_close(&flat2(&gx), &fdx, 1e-7);
    // Forward mode through the custom rule.
    let dm = m.rebuild(&m.flatten().mapv(f64::cos)).unwrap();
    let dx = input(4, 3, 0.2);
    let (_, d) = jvp!(ff_loss)(&m, &x, &y, &dm, &dx);
    let expect = gm.inner(&dm) + (&gx * &dx).sum();
    assert!(
        (d - expect).abs() < 1e-12 * expect.abs().max(1.0),
        "{d} vs {expect}"
    );
}

#[test]
fn feedforward_equals_the_same_layers_in_a_model() {
    let l0: Linear<3, 4> = Linear::new(Init::Glorot, 8);
    let l1: LinearNoBias<4, 2> = LinearNoBias::new(Init::Glorot, 9);
    let mut net = FeedForward::new();
    net.add(l0.clone()).unwrap();
    net.add(Activation::Tanh).unwrap();
    net.add(l1.clone()).unwrap();
    let x = input(3, 3, 0.6);
    // The runtime's tanh on arrays (its vectorized kernel), as the model's layers.
    let by_hand = ops::tanh(&l0.forward(&x)).dot(&l1.w);
    assert_eq!(net.forward(&x), by_hand);
    assert_eq!(net.flat_len(), 3 * 4 + 4 + 4 * 2);
}

#[test]
fn add_insert_remove_keep_the_sizes_chained() {
    let mut net = FeedForward::new();
    assert_eq!(
        net.forward(&input(2, 3, 1.0)),
        input(2, 3, 1.0),
        "empty: identity"
    );
    net.add(Layer::linear(4, 8, Init::Glorot, 1)).unwrap();
    net.add(Activation::Relu).unwrap();
    let e = net.add(Layer::linear(7, 2, Init::Glorot, 1)).unwrap_err();
    assert_eq!(
        e,
        NnError::Chain {
            before: "Linear(4 -> 8)".into(),
            before_index: 0,
            after: "Linear(7 -> 2)".into(),
            after_index: 2,
            outputs: 8,
            inputs: 7
        }
    );
    assert_eq!(net.len(), 2, "a rejected layer is not kept");
    net.add(Layer::linear(8, 2, Init::Glorot, 2)).unwrap();
    net.insert(2, Layer::linear_no_bias(8, 8, Init::Glorot, 3))
        .unwrap();
    assert_eq!(net.len(), 4);
    // Removing the 4 -> 8 layer would leave 8 -> 8 as the first: fine.
    let first = net.remove(0).unwrap();
    assert_eq!(first.sizes(), Some((4, 8)));
    assert_eq!(net.inputs(), Some(8));
    net.insert(0, first).unwrap();
    net.insert(1, Layer::linear(8, 3, Init::Glorot, 4))
        .unwrap_err();
    // Removing the middle 8 -> 8 keeps 4 -> 8 -> 2 chained; then 8 -> 2 cannot go
    // after a 4 -> 5 replacement.
    net.remove(2).unwrap();
    assert_eq!(
        net.remove(9).unwrap_err(),
        NnError::Index { index: 9, len: 3 }
    );
    assert_eq!((net.inputs(), net.outputs()), (Some(4), Some(2)));
    let mut narrow = net.clone();
    narrow.remove(0).unwrap();
    let e = narrow
        .insert(0, Layer::linear(4, 5, Init::Glorot, 1))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "layer 0 (Linear(4 -> 5)) gives 5 outputs but layer 2 (Linear(8 -> 2)) takes 8 inputs"
    );
}

#[test]
#[should_panic(
    expected = "layer 2 (Linear(3 -> 5)) of a FeedForward got an input with 4 columns, expected 3"
)]
fn feedforward_names_the_layer_of_a_wrong_width() {
    let mut m = net();
    m.insert(0, Activation::Identity).unwrap();
    m.insert(0, Activation::Tanh).unwrap();
    let _ = m.forward(&input(2, 4, 1.0));
}

#[test]
fn losses_closed_forms_gradients_and_tangents() {
    let p = array![[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]];
    let t = array![[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]];
    let d = &p - &t;
    let rows = |f: &dyn Fn(ndarray::ArrayView1<f64>) -> f64| {
        d.rows().into_iter().map(f).sum::<f64>() / 2.0
    };
    let expect = [
        (Loss::L1, rows(&|r| r.iter().map(|v| v.abs()).sum())),
        (Loss::L2, rows(&|r| r.dot(&r).sqrt())),
        (Loss::Quadratic, rows(&|r| r.dot(&r))),
        (
            Loss::CrossEntropyOnLinear,
            (0..2)
                .map(|i| {
                    let lse = p.row(i).iter().map(|v| v.exp()).sum::<f64>().ln();
                    let k = if i == 0 { 1 } else { 0 };
                    lse - p[[i, k]]
                })
                .sum::<f64>()
                / 2.0,
        ),
    ];
    for (loss, value) in expect {
        assert!((loss.value(&p, &t) - value).abs() < 1e-14, "{loss:?}");
        check_loss_derivatives(loss, &p, &t);
    }
    // On probabilities.
    let q = array![[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]];
    let v = Loss::CrossEntropyOnSoftmax.value(&q, &t);
    assert!((v - (-(0.7f64.ln()) - 0.5f64.ln()) / 2.0).abs() < 1e-14);
    check_loss_derivatives(Loss::CrossEntropyOnSoftmax, &q, &t);
}

fn check_loss_derivatives(loss: Loss, p: &Array2<f64>, t: &Array2<f64>) {
    let (v, g) = loss.value_and_grad(p, t);
    assert_eq!(v, loss.value(p, t));
    let (r, c) = p.dim();
    let fd = fd_grad(|x| loss.value(&shaped(x, r, c), t), &flat2(p));
    assert_close(&flat2(&g), &fd, 1e-7);
    let dp = input(r, c, 0.9);
    let (v2, d) = loss.jvp(p, t, &dp);
    assert_eq!(v2, v);
    let expect = (&g * &dp).sum();
    assert!((d - expect).abs() < 1e-12, "{loss:?}: {d} vs {expect}");
}

#[test]
#[should_panic(expected = "Quadratic loss of predictions [2, 3] and targets [2, 2]")]
fn loss_shape_mismatch_names_both_shapes() {
    let _ = Loss::Quadratic.value(&Array2::zeros((2, 3)), &Array2::zeros((2, 2)));
}

#[test]
fn classification_error_counts_wrong_rows() {
    let p = array![[0.1, 0.9], [0.8, 0.2], [0.4, 0.6], [0.5, 0.5]];
    let t = array![[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]];
    // Rows 1 and 2 are wrong; row 3 ties and takes the first column (right).
    assert_eq!(classification_error(p.view(), t.view()), 0.5);
    assert_eq!(
        classification_error(p.slice(ndarray::s![..1, ..]), t.slice(ndarray::s![..1, ..])),
        0.0
    );
}

#[test]
fn regularization_values_gradients_and_the_wrapped_loss() {
    let m: Linear<2, 3> = Linear {
        w: array![[0.5, -1.0, 0.0], [2.0, 0.25, -0.75]],
        b: array![0.1, -0.2, 0.3],
    };
    let sum_abs = 0.5 + 1.0 + 0.0 + 2.0 + 0.25 + 0.75 + 0.1 + 0.2 + 0.3;
    let sum_sq = m.inner(&m);
    let l1 = Regularization::L1(0.1);
    let l2 = Regularization::L2(0.1);
    assert!((l1.value(&m) - 0.1 * sum_abs).abs() < 1e-15);
    assert!((l2.value(&m) - 0.1 * sum_sq).abs() < 1e-15);
    let (_, g2) = l2.value_and_grad(&m);
    let fd = fd_grad(|v| l2.value(&m.rebuild(v).unwrap()), &m.flatten());
    assert_close(&g2.flatten(), &fd, 1e-8);
    let (_, g1) = l1.value_and_grad(&m);
    // Away from the kink (the zero weight has subgradient 0).
    let fd1 = fd_grad(|v| l1.value(&m.rebuild(v).unwrap()), &m.flatten());
    for (k, (a, b)) in g1.flatten().iter().zip(fd1.iter()).enumerate() {
        if k == 2 {
            assert_eq!(*a, 0.0);
        } else {
            assert!((a - b).abs() < 1e-8, "{k}: {a} vs {b}");
        }
    }
    assert_eq!(Regularization::NoReg.value_and_grad(&m).0, 0.0);

    let base = |m: &Linear<2, 3>, x: ArrayView2<f64>, y: ArrayView2<f64>| {
        value_and_grad!(sq_loss)(m, &x.to_owned(), &y.to_owned())
    };
    let x = input(4, 2, 0.5);
    let y = input(4, 3, 0.7);
    let f = regularized(base, l2);
    let (v, g) = f(&m, x.view(), y.view());
    let fd = fd_grad(
        |p| {
            let mm = m.rebuild(p).unwrap();
            sq_loss(&mm, &x, &y) + l2.value(&mm)
        },
        &m.flatten(),
    );
    assert!((v - sq_loss(&m, &x, &y) - 0.1 * sum_sq).abs() < 1e-14);
    assert_close(&g.flatten(), &fd, 1e-7);
}

#[differentiable]
fn sq_loss(m: &Linear<2, 3>, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    nn::loss::quadratic_loss(&m.forward(x), y)
}

#[test]
fn feedforward_loss_gradient_matches_finite_differences() {
    let m = with_bias(net());
    let x = input(5, 3, 0.3);
    let y = input(5, 2, 1.7);
    for loss in [Loss::Quadratic, Loss::CrossEntropyOnLinear, Loss::L1] {
        let (v, g) = m.value_and_grad(&x, &y, loss);
        assert_eq!(v, loss.value(&m.forward(&x), &y));
        let fd = fd_grad(
            |p| loss.value(&m.rebuild(p).unwrap().forward(&x), &y),
            &m.flatten(),
        );
        assert_close(&g.flatten(), &fd, 1e-7);
    }
}

#[test]
fn train_a_feedforward_built_at_run_time() {
    use hype::data::Dataset;
    use hype::optim::{train, LearningRate, TrainParams};
    // Four clusters; class = XOR of the signs of the two coordinates.
    let n = 120;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        let corner = if (i >> j) & 1 == 1 { 1.0 } else { -1.0 };
        corner + 0.15 * ((i * 5 + j * 11) as f64).sin()
    });
    let labels: Vec<usize> = (0..n).map(|i| (i & 1) ^ ((i >> 1) & 1)).collect();
    let data = Dataset::classification(x, &labels, 2).unwrap();
    let mut net = FeedForward::new();
    net.add(Layer::linear(2, 6, Init::Glorot, 3)).unwrap();
    net.add(Activation::Tanh).unwrap();
    net.add(Layer::linear(6, 2, Init::Glorot, 4)).unwrap();
    let params = TrainParams::minibatch(12)
        .learning_rate(LearningRate::Adam(hype::optim::AdamParams {
            lr: 0.05,
            ..Default::default()
        }))
        .epochs(80)
        .shuffle(2)
        .progress(false);
    train(
        &mut net,
        &data,
        &params,
        FeedForward::loss_fn(Loss::CrossEntropyOnLinear),
    )
    .unwrap();
    let out = net.forward(&data.x);
    assert_eq!(classification_error(out.view(), data.y.view()), 0.0);
    assert!(Loss::CrossEntropyOnLinear.value(&out, &data.y) < 0.02);
}
