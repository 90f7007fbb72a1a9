//! Hessian-vector products (`hvp!`, reverse over forward) of every layer, activation
//! and loss of `hype::nn`, against central differences of the exact gradient
//! (`grad!`) along the same direction, and the symmetry `uᵀ H v = vᵀ H u`. Closed
//! forms are checked where the Hessian has one (quadratic loss, cross-entropy on
//! probabilities, L1/L2 penalties). Gradients themselves are checked in tests/nn.rs.
//!
//! `nn::FeedForward::forward` has hand-written rules (`#[custom_rule]`) of first and
//! second order (`forward__dir`, `FeedForward::forward_dir_jvp`/`forward_dir_vjp`):
//! its hvps are checked here too, with every activation, through a loss computed by
//! an order-2 function, and the second-order forward rule against central
//! differences of the first-order one. `nn::Regularization` is a hand-written value,
//! gradient and hvp over the flat parameter vector; its hvp is checked against its
//! gradient's differences and against the differentiable `λ·l2` of the flat
//! parameters.

mod common;
use common::*;
use hype::nn::{loss, Activation, FeedForward, Init, Layer, Linear, LinearNoBias, Regularization};
use hype::prelude::*;
use hype::Tangent;

// ---------- the check ----------

/// A deterministic direction shaped like `p` (entries in [-1, 1], no zeros pattern).
fn direction<P: Tangent>(p: &P, seed: usize) -> P {
    let n = p.flat_len();
    let flat = Array1::from_shape_fn(n, |i| ((i * 7 + seed * 13 + 3) as f64 * 0.61).sin());
    p.rebuild(&flat).unwrap()
}

/// `hvp(p, v)` against central differences of `grad` along `v`, and symmetry of the
/// Hessian on two directions. Returns `H v` flattened for closed-form checks.
#[track_caller]
fn check_hvp<P: Tangent + Clone>(
    grad: impl Fn(&P) -> P,
    hvp: impl Fn(&P, &P) -> P,
    p: &P,
) -> Array1<f64> {
    let (u, v) = (direction(p, 1), direction(p, 2));
    let hv = hvp(p, &v);
    let hu = hvp(p, &u);
    // Step 1e-5: truncation ~1e-10 and rounding ~1e-11 for these O(1) gradients.
    let h = 1e-5;
    let at = |s: f64| {
        let mut q = p.clone();
        q.axpy(s, &v);
        grad(&q).flatten()
    };
    let fd = (&at(h) - &at(-h)) / (2.0 * h);
    let hv_flat = hv.flatten();
    assert_all_close(&hv_flat, &fd, 1e-7);
    let (uhv, vhu) = (u.inner(&hv), v.inner(&hu));
    assert_close(uhv, vhu, 1e-11);
    // Not vacuous: a zero hvp is accepted only where the gradient does not move.
    assert!(
        hv_flat.iter().any(|x| x.abs() > 1e-3) || fd.iter().all(|x| *x == 0.0),
        "hvp {hv_flat}"
    );
    hv_flat
}

fn batch() -> Array2<f64> {
    Array2::from_shape_fn((5, 3), |(i, j)| {
        ((i * 3 + j) as f64 * 0.47 + 0.3).sin() * 1.3
    })
}

/// One-hot targets for `n` rows and `k` classes.
fn one_hot(n: usize, k: usize) -> Array2<f64> {
    Array2::from_shape_fn(
        (n, k),
        |(i, j)| if (2 * i + 1) % k == j { 1.0 } else { 0.0 },
    )
}

// ---------- layers, with respect to the parameters and the input together ----------

#[differentiable(order = 2)]
fn linear_energy(layer: &Linear<3, 4>, x: &Array2<f64>) -> f64 {
    let h = layer.forward(x);
    (&h * &h).sum() * 0.5 + ops::softplus(&h).sum()
}

#[test]
fn linear_layer_hvp_wrt_parameters_and_input() {
    let p = (Linear::<3, 4>::new(Init::Glorot, 5), batch());
    let mut p = p;
    p.0.b = array![0.1, -0.2, 0.3, 0.05];
    check_hvp(
        |(l, x): &(Linear<3, 4>, Array2<f64>)| grad!(linear_energy)(l, x),
        |(l, x), (vl, vx)| hvp!(linear_energy)(l, x, vl, vx),
        &p,
    );
}

#[differentiable(order = 2)]
fn no_bias_energy(layer: &LinearNoBias<3, 4>, x: &Array2<f64>) -> f64 {
    let h = layer.forward(x);
    ops::sigmoid(&h).sum() + (&h * &h).sum() * 0.25
}

#[test]
fn linear_no_bias_layer_hvp_wrt_parameters_and_input() {
    let p = (LinearNoBias::<3, 4>::new(Init::Glorot, 6), batch());
    check_hvp(
        |(l, x): &(LinearNoBias<3, 4>, Array2<f64>)| grad!(no_bias_energy)(l, x),
        |(l, x), (vl, vx)| hvp!(no_bias_energy)(l, x, vl, vx),
        &p,
    );
}

// ---------- every activation of model!, through a two-layer model ----------

hype::model! { struct TanhNet = Linear<3, 4> -> Tanh -> Linear<4, 2>; }
hype::model! { struct ReluNet = Linear<3, 4> -> Relu -> Linear<4, 2>; }
hype::model! { struct SigmoidNet = Linear<3, 4> -> Sigmoid -> Linear<4, 2>; }
hype::model! { struct SoftplusNet = Linear<3, 4> -> Softplus -> Linear<4, 2>; }
hype::model! { struct GeluNet = Linear<3, 4> -> Gelu -> Linear<4, 2>; }

/// An order-2 quadratic loss of a model of each activation, in the model and the
/// input, and its hvp checked; `relu` has a zero second derivative off its kink, so
/// its Hessian comes from the layers (inputs are away from the kink).
macro_rules! activation_test {
    ($test:ident, $loss:ident, $net:ident) => {
        #[differentiable(order = 2)]
        fn $loss(m: &$net, x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
            loss::quadratic_loss(&m.forward(x), y)
        }

        #[test]
        fn $test() {
            let mut m = $net::new(Init::Uniform(0.9), 11);
            m.l0.b = array![0.2, -0.1, 0.15, -0.3];
            let y = array![[0.5, -1.0], [0.2, 0.3], [-0.4, 0.8], [1.0, 0.0], [0.0, 0.5]];
            let p = (m, batch());
            check_hvp(
                |(m, x): &($net, Array2<f64>)| grad!($loss)(m, x, &y),
                |(m, x), (vm, vx)| hvp!($loss)(m, x, &y, vm, vx),
                &p,
            );
        }
    };
}

activation_test!(tanh_model_hvp, tanh_loss, TanhNet);
activation_test!(relu_model_hvp, relu_loss, ReluNet);
activation_test!(sigmoid_model_hvp, sigmoid_loss, SigmoidNet);
activation_test!(softplus_model_hvp, softplus_loss, SoftplusNet);
activation_test!(gelu_model_hvp, gelu_loss, GeluNet);

/// Activations outside model!: elu (both sides of 0), softmax, log_softmax,
/// logsumexp, and gelu again.
#[differentiable(order = 2)]
fn other_activations(z: &Array2<f64>) -> f64 {
    let e = ops::elu(z, 0.7);
    let s = ops::softmax(z);
    let ls = ops::log_softmax(&(z * 0.5));
    let g = ops::gelu(&(z * 1.5));
    (&e * &e).sum()
        + (&s * &s).sum() * 3.0
        + (&ls * &s).sum()
        + ops::logsumexp(z).sum()
        + (&g * &g).sum()
}

/// The cross-entropy on probabilities, scaled so that its own second-order rules
/// are the only ones involved.
#[differentiable(order = 2)]
fn ce_on_probs(p: &Array2<f64>, #[constant] t: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_softmax(p, t) * 2.0
}

#[test]
fn second_order_tangent_rules_agree_with_forward_mode() {
    // An hvp only sees the derivative of a tangent rule, so a rule off by a constant
    // would pass the hvp checks: compare the rules' values (`f__dir`, the code the
    // hvp differentiates) with the runtime's first-order forward mode.
    let z = batch();
    let v = direction(&z, 5);
    let (y, dy) = other_activations__dir(&z, &v);
    let (y2, dy2) = jvp!(other_activations)(&z, &v);
    assert_close(y, y2, 1e-14);
    assert_close(dy, dy2, 1e-12);
    let p = ops::softmax(&prediction());
    let t = ops::softmax(&(prediction() * -0.7));
    // `f__dir` takes a (zero, ignored) tangent for the constant target too.
    let (c, dc) = ce_on_probs__dir(&p, &t, &v, &Array2::zeros(t.dim()));
    assert_close(c, ce_on_probs(&p, &t), 1e-14);
    let (_, dc2) = jvp!(ce_on_probs)(&p, &t, &v);
    assert_close(dc, dc2, 1e-12);
    assert!(dy.abs() > 1e-2 && dc.abs() > 1e-2, "{dy} {dc}");
}

#[test]
fn elu_softmax_log_softmax_logsumexp_hvp() {
    let z = batch();
    assert!(z.iter().any(|v| *v < 0.0) && z.iter().any(|v| *v > 0.0));
    check_hvp(
        |z: &Array2<f64>| grad!(other_activations)(z),
        hvp!(other_activations),
        &z,
    );
}

// ---------- every loss, with respect to the prediction ----------

fn prediction() -> Array2<f64> {
    Array2::from_shape_fn((5, 3), |(i, j)| ((i * 5 + j * 2) as f64 * 0.83).cos() * 1.1)
}

#[test]
fn l1_loss_hessian_is_zero_off_the_kinks() {
    let (p, t) = (prediction(), prediction().mapv(|v| v * 0.5 + 0.1));
    let hv = check_hvp(
        |p: &Array2<f64>| grad!(loss::l1_loss)(p, &t),
        |p, v| hvp!(loss::l1_loss)(p, &t, v),
        &p,
    );
    assert!(hv.iter().all(|v| *v == 0.0), "{hv}");
}

#[test]
fn l2_loss_hvp() {
    let (p, t) = (prediction(), prediction().mapv(|v| v * 0.5 + 0.1));
    let hv = check_hvp(
        |p: &Array2<f64>| grad!(loss::l2_loss)(p, &t),
        |p, v| hvp!(loss::l2_loss)(p, &t, v),
        &p,
    );
    // Closed form per row: (v - d (d·v)/|d|²) / (|d| n), d = p - t.
    let v = direction(&p, 2);
    let n = p.nrows() as f64;
    for i in 0..p.nrows() {
        let d = &p.row(i) - &t.row(i);
        let norm = d.dot(&d).sqrt();
        let want = (&v.row(i) - &(&d * (d.dot(&v.row(i)) / (norm * norm)))) / (norm * n);
        for j in 0..p.ncols() {
            assert_close(hv[i * p.ncols() + j], want[j], 1e-12);
        }
    }
}

#[test]
fn quadratic_loss_hessian_is_two_over_n() {
    let (p, t) = (prediction(), prediction().mapv(|v| v * 0.5 + 0.1));
    let hv = check_hvp(
        |p: &Array2<f64>| grad!(loss::quadratic_loss)(p, &t),
        |p, v| hvp!(loss::quadratic_loss)(p, &t, v),
        &p,
    );
    let want = Tangent::flatten(&direction(&p, 2)) * (2.0 / 5.0);
    assert_all_close(&hv, &want, 1e-14);
}

#[test]
fn cross_entropy_on_linear_hvp() {
    let (z, t) = (prediction(), one_hot(5, 3));
    check_hvp(
        |z: &Array2<f64>| grad!(loss::cross_entropy_on_linear)(z, &t),
        |z, v| hvp!(loss::cross_entropy_on_linear)(z, &t, v),
        &z,
    );
}

#[test]
fn cross_entropy_on_softmax_hessian_is_t_over_p_squared() {
    // Probabilities (rows sum to 1) and soft targets with some zeros.
    let p = ops::softmax(&prediction());
    let mut t = ops::softmax(&(prediction() * -0.7));
    t[[1, 2]] = 0.0;
    t[[3, 0]] = 0.0;
    let hv = check_hvp(
        |p: &Array2<f64>| grad!(loss::cross_entropy_on_softmax)(p, &t),
        |p, v| hvp!(loss::cross_entropy_on_softmax)(p, &t, v),
        &p,
    );
    // -Σ t ln p / n has the diagonal Hessian t / (n p²).
    let v = direction(&p, 2);
    let want = Tangent::flatten(&(&t * &v / (&p * &p) / 5.0));
    assert_all_close(&hv, &want, 1e-12);
}

#[differentiable(order = 2)]
fn ce_through_softmax(z: &Array2<f64>, #[constant] t: &Array2<f64>) -> f64 {
    loss::cross_entropy_on_softmax(&ops::softmax(z), t)
}

#[test]
fn both_cross_entropies_have_the_same_hessian_in_the_logits() {
    // cross_entropy_on_softmax(softmax(z)) = cross_entropy_on_linear(z): two different
    // second-order rule paths must agree.
    let (z, t) = (prediction(), one_hot(5, 3));
    let v = direction(&z, 4);
    let a = hvp!(ce_through_softmax)(&z, &t, &v);
    let b = hvp!(loss::cross_entropy_on_linear)(&z, &t, &v);
    assert_all_close(&Tangent::flatten(&a), &Tangent::flatten(&b), 1e-12);
    assert!(a.iter().any(|x| x.abs() > 1e-3));
}

// ---------- regularization ----------

#[differentiable(order = 2)]
fn penalized(m: &TanhNet, #[constant] l1w: f64, #[constant] l2w: f64) -> f64 {
    l1w * ops::l1(&m.l0.w) + l2w * ops::l2(&m.l1.w) + l2w * ops::l2(&m.l0.b)
}

#[test]
fn l1_and_l2_penalties_hvp_closed_form() {
    let m = TanhNet::new(Init::Uniform(0.9), 4);
    let (l1w, l2w) = (0.3, 0.7);
    let hv = check_hvp(
        |m: &TanhNet| grad!(penalized)(m, l1w, l2w),
        |m, v| hvp!(penalized)(m, l1w, l2w, v),
        &m,
    );
    // L1: zero; L2 λ Σθ²: 2 λ v on the penalized arrays, zero elsewhere.
    let v = direction(&m, 2);
    let mut want = v.zero_like();
    want.l1.w = &v.l1.w * (2.0 * l2w);
    want.l0.b = &v.l0.b * (2.0 * l2w);
    assert_all_close(&hv, &want.flatten(), 1e-14);
}

#[differentiable(order = 2)]
fn flat_l2(theta: &Array1<f64>, #[constant] lam: f64) -> f64 {
    lam * ops::l2(theta)
}

#[test]
fn regularization_l2_gradient_moves_as_the_hvp_says() {
    // Regularization::L2's gradient's central difference along v must be its own hvp
    // and the hvp of the differentiable λ·l2 of the flat parameters.
    let m = TanhNet::new(Init::Glorot, 9);
    let reg = Regularization::L2(0.4);
    let v = direction(&m, 3);
    let h = 1e-5;
    let at = |s: f64| {
        let mut q = m.clone();
        q.axpy(s, &v);
        reg.value_and_grad(&q).1.flatten()
    };
    let fd = (&at(h) - &at(-h)) / (2.0 * h);
    let hv = hvp!(flat_l2)(&m.flatten(), 0.4, &v.flatten());
    assert_all_close(&hv, &fd, 1e-9);
    assert_all_close(&reg.hvp(&m, &v).flatten(), &fd, 1e-9);
    assert_close(reg.value(&m), flat_l2(&m.flatten(), 0.4), 1e-14);
}

// ---------- every loss, called from an order-2 function through a model ----------

#[differentiable(order = 2)]
fn l1_of_model(m: &TanhNet, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    loss::l1_loss(&m.forward(x), y)
}

#[differentiable(order = 2)]
fn l2_of_model(m: &TanhNet, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    loss::l2_loss(&m.forward(x), y)
}

#[differentiable(order = 2)]
fn ce_linear_of_model(
    m: &TanhNet,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
) -> f64 {
    loss::cross_entropy_on_linear(&m.forward(x), y)
}

#[differentiable(order = 2)]
fn ce_softmax_of_model(
    m: &TanhNet,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
) -> f64 {
    loss::cross_entropy_on_softmax(&ops::softmax(&m.forward(x)), y)
}

/// A scalar constant (a weight) next to the constant arrays.
#[differentiable(order = 2)]
fn weighted_quadratic_of_model(
    m: &TanhNet,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
    #[constant] weight: f64,
) -> f64 {
    loss::quadratic_loss(&m.forward(x), y) * weight
}

#[test]
fn every_loss_through_a_model_hvp() {
    let m = TanhNet::new(Init::Uniform(0.9), 21);
    let x = batch();
    let y = array![[0.5, -1.0], [0.2, 0.3], [-0.4, 0.8], [1.0, 0.0], [0.0, 0.5]];
    let t = one_hot(5, 2);
    check_hvp(
        |m: &TanhNet| grad!(l1_of_model)(m, &x, &y),
        |m, v| hvp!(l1_of_model)(m, &x, &y, v),
        &m,
    );
    check_hvp(
        |m: &TanhNet| grad!(l2_of_model)(m, &x, &y),
        |m, v| hvp!(l2_of_model)(m, &x, &y, v),
        &m,
    );
    check_hvp(
        |m: &TanhNet| grad!(ce_linear_of_model)(m, &x, &t),
        |m, v| hvp!(ce_linear_of_model)(m, &x, &t, v),
        &m,
    );
    let hs = check_hvp(
        |m: &TanhNet| grad!(ce_softmax_of_model)(m, &x, &t),
        |m, v| hvp!(ce_softmax_of_model)(m, &x, &t, v),
        &m,
    );
    // The two cross-entropies are the same function of the model.
    let hl = Tangent::flatten(&hvp!(ce_linear_of_model)(&m, &x, &t, &direction(&m, 2)));
    assert_all_close(&hs, &hl, 1e-12);
    let hw = check_hvp(
        |m: &TanhNet| grad!(weighted_quadratic_of_model)(m, &x, &y, 0.3),
        |m, v| hvp!(weighted_quadratic_of_model)(m, &x, &y, 0.3, v),
        &m,
    );
    // Through the scalar constant: 0.3 times the unweighted hvp.
    let hq = Tangent::flatten(&hvp!(weighted_quadratic_of_model)(
        &m,
        &x,
        &y,
        1.0,
        &direction(&m, 2),
    ));
    assert_all_close(&hw, &(hq * 0.3), 1e-13);
}

// ---------- FeedForward: layers chosen at run time, second order by hand ----------

/// Every layer kind and activation, 3 → 4 → 4 → 3 → 2.
fn feedforward() -> FeedForward {
    let layers: Vec<Layer> = vec![
        Layer::linear(3, 4, Init::Glorot, 1),
        Activation::Tanh.into(),
        Layer::linear_no_bias(4, 4, Init::Glorot, 2),
        Activation::Sigmoid.into(),
        Layer::linear(4, 3, Init::Glorot, 3),
        Activation::Softplus.into(),
        Layer::linear(3, 2, Init::Glorot, 4),
        Activation::Identity.into(),
    ];
    let mut m = FeedForward::from_layers(layers).unwrap();
    // Nonzero biases, so that no bias adjoint is trivially zero.
    let mut bumped = m.clone();
    bumped.axpy(0.3, &direction(&m, 7));
    m = bumped;
    m
}

#[differentiable(order = 2)]
fn feedforward_energy(m: &FeedForward, x: &Array2<f64>, #[constant] t: &Array2<f64>) -> f64 {
    let y = m.forward(x);
    ops::cross_entropy_on_linear(&y, t) + (&y * &y).sum() * 0.1
}

#[test]
fn feedforward_hvp_wrt_parameters_and_input() {
    let t = one_hot(5, 2);
    let p = (feedforward(), batch());
    check_hvp(
        |(m, x): &(FeedForward, Array2<f64>)| grad!(feedforward_energy)(m, x, &t),
        |(m, x), (vm, vx)| hvp!(feedforward_energy)(m, x, &t, vm, vx),
        &p,
    );
}

#[differentiable(order = 2)]
fn relu_energy(m: &FeedForward, #[constant] x: &Array2<f64>) -> f64 {
    let y = m.forward(x);
    (&y * &y).sum()
}

#[test]
fn feedforward_relu_hvp_away_from_kinks() {
    let m = FeedForward::from_layers(vec![
        Layer::linear(3, 4, Init::Glorot, 5),
        Activation::Relu.into(),
        Layer::linear(4, 2, Init::Glorot, 6),
    ])
    .unwrap();
    let x = batch();
    check_hvp(
        |m: &FeedForward| grad!(relu_energy)(m, &x),
        |m, v| hvp!(relu_energy)(m, &x, v),
        &m,
    );
}

#[test]
fn feedforward_second_order_forward_rule_matches_differences() {
    // d/ds forward_jvp(m + s tm, x + s tx, dm + s tdm, dx + s tdx) at s = 0.
    let m = feedforward();
    let x = batch();
    let (dm, tm, tdm) = (direction(&m, 2), direction(&m, 3), direction(&m, 4));
    let (dx, tx, tdx) = (direction(&x, 5), direction(&x, 6), direction(&x, 8));
    let ((y, dy), (ty, tdy)) = m.forward_dir_jvp(&x, &dm, &dx, &tm, &tx, &tdm, &tdx);
    let (y0, dy0) = m.forward_jvp(&x, &dm, &dx);
    assert_eq!(y, y0);
    assert_eq!(dy, dy0);
    let at = |s: f64| {
        let step = |a: &FeedForward, b: &FeedForward| {
            let mut q = a.clone();
            q.axpy(s, b);
            q
        };
        let (mut xs, mut dxs) = (x.clone(), dx.clone());
        xs.axpy(s, &tx);
        dxs.axpy(s, &tdx);
        step(&m, &tm).forward_jvp(&xs, &step(&dm, &tdm), &dxs)
    };
    let h = 1e-5;
    let ((yp, dyp), (ym, dym)) = (at(h), at(-h));
    let flat = |a: &Array2<f64>| Tangent::flatten(a);
    assert_all_close(&flat(&ty), &flat(&((yp - ym) / (2.0 * h))), 1e-7);
    assert_all_close(&flat(&tdy), &flat(&((dyp - dym) / (2.0 * h))), 1e-7);
}

#[differentiable(order = 2)]
fn feedforward_fit(
    m: &FeedForward,
    #[constant] x: &Array2<f64>,
    #[constant] t: &Array2<f64>,
) -> f64 {
    let y = m.forward(x);
    let d = &y - t;
    (&d * &d).sum() / 20.0
}

/// Newton-CG on a network chosen at run time, its Hessian-vector products from
/// `hvp!` through `FeedForward::forward`: it fits a smooth target to a tight gradient
/// tolerance in far fewer iterations than gradient descent reaches a loose one.
#[test]
fn newton_cg_trains_a_feedforward_with_generated_hvps() {
    use hype::optim::{minimize_objective, Params, Problem};
    let x = Array2::from_shape_fn((20, 2), |(i, j)| ((i * 2 + j) as f64 * 0.37).sin());
    let t = Array2::from_shape_fn((20, 1), |(i, _)| (x[[i, 0]] * 1.5).tanh() - 0.5 * x[[i, 1]]);
    let m0 = FeedForward::from_layers(vec![
        Layer::linear(2, 6, Init::Glorot, 11),
        Activation::Tanh.into(),
        Layer::linear(6, 1, Init::Glorot, 12),
    ])
    .unwrap();
    let problem = Problem::new(|m: &FeedForward| value_and_grad!(feedforward_fit)(m, &x, &t))
        .with_hvp(|m, v| hvp!(feedforward_fit)(m, &x, &t, v));
    let newton = minimize_objective(
        &problem,
        m0.clone(),
        &Params::newton_cg().gradient_tolerance(1e-7),
    );
    let gd = minimize_objective(
        &problem,
        m0.clone(),
        &Params::gradient_descent(0.5)
            .epochs(2000)
            .gradient_tolerance(1e-4),
    );
    let start = feedforward_fit(&m0, &x, &t);
    println!(
        "newton-cg: {} iterations, loss {:.3e}; gd: {} iterations, loss {:.3e}; start {start:.3e}",
        newton.iterations, newton.value, gd.iterations, gd.value
    );
    assert!(
        newton.value < 1e-3 * start,
        "Newton-CG: {} from {start}",
        newton.value
    );
    assert!(newton.gradient.inner(&newton.gradient).sqrt() <= 1e-7);
    assert!(
        newton.iterations * 10 < gd.iterations,
        "Newton-CG {} iterations, GD {}",
        newton.iterations,
        gd.iterations
    );
}
