//! Hessian-free optimization: the seed package's test thresholds on its feedforward
//! networks, the Gauss–Newton product against `Jᵀ·H_L·J` formed explicitly, its
//! positive semi-definiteness, bad input, and non-finite losses.

#[path = "../examples/hessianfree.rs"]
#[allow(dead_code)]
mod demos;

use demos::*;
use hype::nn::{Activation, FeedForward, Init, Layer, Loss};
use hype::optim::hessian_free::{
    fit, gauss_newton_product, Batch, CrossEntropy, Data, FeedForwardNet, FitParams, FnNetwork,
    HessianFree, HfError, Network, Optimizer, OutputLoss, SquaredError, StructuralDamping,
};
use hype::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn xor_targets() -> Array2<f64> {
    array![[0.0], [1.0], [1.0], [0.0]]
}

#[test]
fn xor_hf_two_cg_iterations_40_epochs() {
    let r = xor(false, false);
    assert!(r.value < 1e-5, "loss {}", r.value);
    assert!(r.run.epochs.len() <= 40);
    assert!(r.run.epochs.iter().all(|e| e.update.cg_iterations <= 2));
}

/// 10,000 epochs take 11 s in a debug build:
/// `cargo test --release --test hessian_free -- --ignored`.
#[test]
#[ignore]
fn xor_sgd() {
    let r = xor(true, false);
    assert!(r.value < 1e-3, "loss {}", r.value);
}

#[test]
fn softlif_network() {
    let r = softlif(false);
    assert!(r.value < 1e-5, "loss {}", r.value);
}

#[test]
fn crossentropy_four_classes() {
    let t = Array2::eye(4);
    let r = crossentropy(t, 50, 100, false);
    assert!(r.value < 1e-5, "loss {}", r.value);
}

#[test]
fn crossentropy_with_classification_error() {
    let (r, err) = crossentropy_classification(false);
    assert_eq!(r.run.epochs.len(), 100, "target −1 never stops early");
    assert_eq!(err, 0.0);
    assert_eq!(r.run.last_test(), Some(0.0));
    assert!(r.value < 1e-4, "loss {}", r.value);
}

#[test]
fn connections_network() {
    // The seed's test: conns {0: [1, 2], 1: [3], 2: [3]}, CG 50, 50 epochs.
    let r = connections(false, 50, 50, false);
    assert!(r.value < 1e-5, "loss {}", r.value);
}

#[test]
fn sparsity_penalty() {
    let r = sparsity(false);
    assert!(r.value < 1e-2, "loss {}", r.value);
    assert!(
        r.hidden_mean < 0.1,
        "mean hidden activity {}",
        r.hidden_mean
    );
}

/// `Jᵀ·H_L·J·v` with `J` from `jacobian!` and `H_L` from `hessian!`, as dense
/// matrices, against the product; `J` itself against central differences.
fn check_against_explicit<N: Network<Output = Array2<f64>>, L: OutputLoss<Array2<f64>>>(
    net: &N,
    loss: &L,
    p: &N::Params,
    x: &Array2<f64>,
    t: &Array2<f64>,
    (jac, h_l): (&Array2<f64>, &Array2<f64>),
    seed: u64,
) {
    let flat = p.flatten();
    // J against central differences of the forward pass.
    let h = 1e-6;
    for k in 0..flat.len() {
        let mut a = flat.clone();
        a[k] += h;
        let mut b = flat.clone();
        b[k] -= h;
        let fa = net.forward(&p.rebuild(&a).unwrap(), x);
        let fb = net.forward(&p.rebuild(&b).unwrap(), x);
        let col = (fa - fb) / (2.0 * h);
        for (i, v) in col.iter().enumerate() {
            assert!(
                (v - jac[(i, k)]).abs() < 1e-6 * (1.0 + v.abs()),
                "J[{i},{k}] {} vs {v}",
                jac[(i, k)]
            );
        }
    }
    let g = jac.t().dot(h_l).dot(jac);
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..3 {
        let v = Array1::from_shape_fn(flat.len(), |_| rng.gen_range(-1.0..1.0));
        let gv = gauss_newton_product(net, loss, p, x, t, &p.rebuild(&v).unwrap()).flatten();
        let expect = g.dot(&v);
        let scale = expect.iter().fold(1e-3_f64, |m, e| m.max(e.abs()));
        for (a, b) in gv.iter().zip(&expect) {
            assert!((a - b).abs() <= 1e-9 * scale, "G·v {a} vs explicit {b}");
        }
        // vᵀ G v ≥ 0.
        assert!(v.dot(&gv) >= -1e-12 * scale, "vᵀGv = {}", v.dot(&gv));
    }
}

#[test]
fn gauss_newton_matches_explicit_logistic_squared_error() {
    let p = TwoLayer::sparse(2, 5, 1, 3);
    let x = xor_inputs();
    let t = xor_targets();
    let y = logistic_net(&p, &x);
    let jac = jacobian!(logistic_net)(&p, &x);
    let (t0, m) = (t.clone(), Array2::ones(t.raw_dim()));
    let h_l = hessian!(hype::optim::hessian_free::loss::masked_squared_error)(&y, &t0, &m);
    let net = FnNetwork::new(
        "xor",
        Some(2),
        |p: &TwoLayer, x: &Array2<f64>| logistic_net(p, x),
        |p: &TwoLayer, x: &Array2<f64>, dp: &TwoLayer| jvp!(logistic_net)(p, x, dp),
        |p: &TwoLayer, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(logistic_net)(p, x, u),
    );
    check_against_explicit(&net, &SquaredError, &p, &x, &t, (&jac, &h_l), 1);
}

#[test]
fn gauss_newton_matches_explicit_softmax_cross_entropy() {
    let p = TwoLayer::sparse(2, 5, 3, 5);
    let x = array![
        [0.1, -0.4],
        [0.7, 0.2],
        [-0.3, 0.9],
        [1.0, 1.0],
        [0.0, -1.0]
    ];
    let t = array![
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.2, 0.3, 0.5],
        [0.0, 1.0, 0.0]
    ];
    let y = tanh_softmax_net(&p, &x);
    let jac = jacobian!(tanh_softmax_net)(&p, &x);
    let h_l = hessian!(hype::optim::hessian_free::loss::masked_cross_entropy)(&y, &t);
    let net = FnNetwork::new(
        "softmax",
        Some(2),
        |p: &TwoLayer, x: &Array2<f64>| tanh_softmax_net(p, x),
        |p: &TwoLayer, x: &Array2<f64>, dp: &TwoLayer| jvp!(tanh_softmax_net)(p, x, dp),
        |p: &TwoLayer, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(tanh_softmax_net)(p, x, u),
    );
    check_against_explicit(&net, &CrossEntropy, &p, &x, &t, (&jac, &h_l), 2);
}

#[test]
fn gauss_newton_matches_explicit_skip_connections() {
    let p = Skip::sparse(true, 11);
    let x = xor_inputs();
    let t = xor_targets();
    let y = skip_net(&p, &x, 1.0);
    let jac = jacobian!(skip_net)(&p, &x, 1.0);
    let h_l = hessian!(hype::optim::hessian_free::loss::masked_squared_error)(
        &y,
        &t,
        &Array2::ones(t.raw_dim()),
    );
    let net = FnNetwork::new(
        "skip",
        Some(2),
        |p: &Skip, x: &Array2<f64>| skip_net(p, x, 1.0),
        |p: &Skip, x: &Array2<f64>, dp: &Skip| jvp!(skip_net)(p, x, 1.0, dp),
        |p: &Skip, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(skip_net)(p, x, 1.0, u),
    );
    check_against_explicit(&net, &SquaredError, &p, &x, &t, (&jac, &h_l), 3);
}

#[differentiable]
fn feedforward_out(m: &FeedForward, #[constant] x: &Array2<f64>) -> Array2<f64> {
    m.forward(x)
}

#[test]
fn gauss_newton_matches_explicit_feedforward_matching_loss() {
    let mut m = FeedForward::new();
    m.add(Layer::linear(3, 4, Init::Glorot, 1)).unwrap();
    m.add(Activation::Tanh).unwrap();
    m.add(Layer::linear(4, 3, Init::Glorot, 2)).unwrap();
    let x = array![
        [0.1, -0.4, 0.3],
        [0.7, 0.2, -0.5],
        [-0.3, 0.9, 0.8],
        [1.0, 1.0, -1.0]
    ];
    let t = array![
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0]
    ];
    let y = m.forward(&x);
    let jac = jacobian!(feedforward_out)(&m, &x);
    let h_l = hessian!(hype::nn::loss::cross_entropy_on_linear)(&y, &t);
    check_against_explicit(
        &FeedForwardNet,
        &Loss::CrossEntropyOnLinear,
        &m,
        &x,
        &t,
        (&jac, &h_l),
        4,
    );
}

#[test]
fn bad_input_is_an_error_naming_the_network_and_sizes() {
    let net = FnNetwork::new(
        "xor 2-5-1",
        Some(2),
        |p: &TwoLayer, x: &Array2<f64>| logistic_net(p, x),
        |p: &TwoLayer, x: &Array2<f64>, dp: &TwoLayer| jvp!(logistic_net)(p, x, dp),
        |p: &TwoLayer, x: &Array2<f64>, u: &Array2<f64>| jacobian_t_v!(logistic_net)(p, x, u),
    );
    let mut p = TwoLayer::sparse(2, 5, 1, 0);
    let mut hf = HessianFree::new();
    let params = FitParams::epochs(1);
    let x = xor_inputs();
    let mut run = |x: &Array2<f64>, t: &Array2<f64>| {
        fit(
            &net,
            &SquaredError,
            &mut hf,
            &mut p,
            Data { x, t, test: None },
            &params,
            None,
        )
        .unwrap_err()
        .to_string()
    };
    let e = run(&x, &array![[0.0], [1.0], [1.0]]);
    assert_eq!(
        e,
        "hessian-free: training set: inputs against targets of xor 2-5-1: [4, 2] and [3, 1]"
    );
    let e = run(&Array2::zeros((0, 2)), &Array2::zeros((0, 1)));
    assert_eq!(e, "hessian-free: empty training set of xor 2-5-1");
    let e = run(&Array2::zeros((4, 3)), &xor_targets());
    assert_eq!(
        e,
        "hessian-free: training set: input width of xor 2-5-1 (inputs, then the width it takes): [4, 3] and [2]"
    );
    let e = run(&x, &Array2::zeros((4, 2)));
    assert_eq!(
        e,
        "hessian-free: squared error loss: network output against targets: [1, 1] and [1, 2]"
    );
}

/// A loss that is NaN once any output exceeds 1.2, and claims a curvature far too
/// small, so that CG's step lands in the NaN region at every rate of the line search.
struct Cliff;

impl OutputLoss<Array2<f64>> for Cliff {
    fn name(&self) -> String {
        "cliff".into()
    }
    fn check(&self, _: &Array2<f64>, _: &Array2<f64>) -> Result<(), HfError> {
        Ok(())
    }
    fn value(&self, y: &Array2<f64>, t: &Array2<f64>) -> f64 {
        if y.iter().any(|&v| v > 1.2) {
            return f64::NAN;
        }
        0.5 * (y - t).mapv(|d| d * d).sum() / y.nrows() as f64
    }
    fn value_and_grad(&self, y: &Array2<f64>, t: &Array2<f64>) -> (f64, Array2<f64>) {
        (self.value(y, t), (y - t) / y.nrows() as f64)
    }
    fn hvp(&self, y: &Array2<f64>, _: &Array2<f64>, u: &Array2<f64>) -> Array2<f64> {
        u * 1e-12 / y.nrows() as f64
    }
}

#[test]
fn a_nan_loss_raises_the_damping_and_retries_without_corrupting_the_weights() {
    let net = FnNetwork::new(
        "linear",
        Some(1),
        |p: &Array2<f64>, x: &Array2<f64>| x.dot(p),
        |p: &Array2<f64>, x: &Array2<f64>, dp: &Array2<f64>| (x.dot(p), x.dot(dp)),
        |_: &Array2<f64>, x: &Array2<f64>, u: &Array2<f64>| x.t().dot(u),
    );
    let x = array![[1.0], [0.5]];
    let t = array![[1.0], [0.5]];
    let p = array![[0.0]];
    let mut hf = HessianFree::new().init_damping(1e-9);
    let batch = Batch {
        x: &x,
        t: &t,
        curvature_x: &x,
        curvature_t: &t,
    };
    let (step, stats) = hf.update(&net, &Cliff, &p, batch).unwrap();
    assert!(stats.retries > 0, "{stats:?}");
    assert!(
        stats.damping > 1e-6,
        "three retries ×10 from 1e-9: {stats:?}"
    );
    assert!(step[(0, 0)].is_finite() && step[(0, 0)] > 0.0, "{step}");
    let p1 = &p + &step;
    let l1 = Cliff.value(&net.forward(&p1, &x), &t);
    assert!(
        l1.is_finite() && l1 < Cliff.value(&net.forward(&p, &x), &t),
        "loss {l1}"
    );

    // With no retries allowed, the update is skipped: the step is zero, not NaN.
    let mut hf = HessianFree::new().init_damping(1e-9);
    hf.max_retries = 0;
    let (step, stats) = hf.update(&net, &Cliff, &p, batch).unwrap();
    assert_eq!(step, array![[0.0]]);
    assert_eq!(stats.rate, 0.0);
    assert!(stats.damping > 1e-9);
}

#[test]
fn martens_cg_solves_a_small_system_and_stops_on_progress() {
    use hype::optim::hessian_free::cg::martens_cg;
    // A = diag(1..20): CG is exact in 20 steps; the solution of A δ = -g.
    let a = Array1::from_shape_fn(20, |i| (i + 1) as f64);
    let g = Array1::from_shape_fn(20, |i| ((i as f64) * 0.7).sin());
    let run = martens_cg(&g, Array1::zeros(20), 100, |v| &a * v);
    let last = &run.iterates.last().unwrap().1;
    for i in 0..20 {
        assert!((last[i] + g[i] / a[i]).abs() < 1e-8, "δ[{i}] {}", last[i]);
    }
    assert!(run.iterations <= 21);
    // Saved iterates at 5, 6, 7, 9, 11, ... (⌊·1.3⌋), in order.
    let its: Vec<usize> = run.iterates.iter().map(|(i, _)| *i).collect();
    assert_eq!(&its[..4], &[5, 6, 7, 9]);
    // q(δ) = ½δᵀAδ + gᵀδ of the final iterate.
    let q = 0.5 * last.dot(&(&a * last)) + g.dot(last);
    assert!((run.model_value - q).abs() < 1e-10);
}

#[test]
fn integrator_recurrent_network() {
    // The seed's test: [1, 5, 1], 3 sequences of 5 steps, CG 100, 30 epochs.
    let r = integrator(3, 5, 5, false);
    assert!(r.value < 1e-4, "loss {}", r.value);
}

#[test]
fn integrator_with_structural_damping() {
    // The seed's test: SquaredError + StructuralDamping(0.1), [1, 5, 1], CG 100, 30 epochs.
    let r = integrator_with(3, 5, 5, 0.1, None);
    assert!(r.value < 1e-4, "loss {}", r.value);
}

#[test]
fn integrator_with_continuous_hidden_layer() {
    // The seed's test: Continuous(Logistic, τ ~ U(1, 3) per unit, dt 0.9). Its τ
    // are unseeded draws; over our first 8 seeds, 6 reach < 1e-4 (seeds 0 and 4:
    // 1.3e-4, 5.6e-4; `continuous_tau_draws`): this is seed 1.
    let mut rng = StdRng::seed_from_u64(1);
    let tau: Vec<f64> = (0..5).map(|_| rng.gen_range(1.0..3.0)).collect();
    let r = integrator_with(3, 5, 5, 0.0, Some(tau));
    assert!(r.value < 1e-4, "loss {}", r.value);
}

/// Eight draws of τ: at least six reach the seed's threshold (release:
/// `cargo test --release --test hessian_free -- --ignored`).
#[test]
#[ignore]
fn continuous_tau_draws() {
    let mut below = 0;
    for seed in 0..8 {
        let mut rng = StdRng::seed_from_u64(seed);
        let tau: Vec<f64> = (0..5).map(|_| rng.gen_range(1.0..3.0)).collect();
        let r = integrator_with(3, 5, 5, 0.0, Some(tau.clone()));
        println!("seed {seed}: tau {tau:.2?} loss {:.3e}", r.value);
        below += usize::from(r.value < 1e-4);
    }
    assert!(below >= 6, "{below} of 8 draws below 1e-4");
}

#[test]
fn plant_reaches_its_target() {
    // The seed's plant demo and threshold, with 4 initial states instead of its 32
    // (`plant_demo_settings` runs those): final loss < 1e-3; the inputs come online
    // from the network's own outputs.
    let r = plant(4, 150, false);
    assert!(r.value < 1e-3, "loss {}", r.value);
    for row in r.output.rows() {
        assert!((row[0] - 1.0).abs() < 0.05 && row[1].abs() < 0.05, "{row}");
    }
}

/// The seed's plant demo settings (32 initial states; 20 s in debug: `cargo test
/// --release --test hessian_free -- --ignored`).
#[test]
#[ignore]
fn plant_demo_settings() {
    // The seed: 2.3e-4 after 150 epochs.
    let r = plant(32, 150, false);
    assert!(r.value < 1e-3, "loss {}", r.value);
    // Every plant ends near position 1 with velocity 0.
    for row in r.output.rows() {
        assert!((row[0] - 1.0).abs() < 0.05 && row[1].abs() < 0.05, "{row}");
    }
}

#[test]
fn tangent_reverse_matches_explicit_on_the_plant() {
    // The closed loop network + plant, its G·v by the reverse pass of the tangent map.
    let steps = 4;
    let mut p = PlantNet::sparse(3);
    p.b_in.fill(0.2);
    p.b_out.fill(-0.3);
    let s0 = array![[0.1, -0.3], [0.4, 0.2], [-0.2, 0.1]];
    let t = array![[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]];
    let a = array![[1.0, 0.0], [0.2, 1.0]];
    let (e_pos, e_vel) = (array![[1.0], [0.0]], array![[0.0], [1.0]]);
    let y = plant_net(&p, &s0, steps, &a, &e_pos, &e_vel);
    let jac = jacobian!(plant_net)(&p, &s0, steps, &a, &e_pos, &e_vel);
    let h_l = hessian!(hype::optim::hessian_free::loss::masked_squared_error)(
        &y,
        &t,
        &Array2::ones(t.raw_dim()),
    );
    check_against_explicit(
        &plant_network(steps),
        &SquaredError,
        &p,
        &s0,
        &t,
        (&jac, &h_l),
        5,
    );
}

#[test]
fn tangent_reverse_matches_jvp_then_vjp_on_the_adding_network() {
    // 6,401 weights: against the two-sweep product (itself checked against the
    // explicit matrix above), for random directions, at weights with nonzero biases,
    // with structural damping on the hidden states of every step.
    let steps = 6;
    let (x, t) = adding_data(5, steps, 1);
    let mut p = AddingNet::sparse(2);
    p.b_in.fill(0.1);
    p.b_h.fill(0.05);
    p.b_rec.fill(0.2);
    let net = adding_network(steps);
    let loss = StructuralDamping::new(SquaredError, 0.3);
    OutputLoss::<AddingOut>::set_damping(&loss, 2.0);
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..3 {
        let flat = p.flatten();
        let v = p
            .rebuild(&Array1::from_shape_fn(flat.len(), |_| {
                rng.gen_range(-1.0..1.0)
            }))
            .unwrap();
        let one = gauss_newton_product(&net, &loss, &p, &x, &t, &v).flatten();
        let (_, jv) = net.jvp(&p, &x, &v);
        let two = net.vjp(&p, &x, &loss.hvp(&net.forward(&p, &x), &t, &jv));
        let two = two.flatten();
        let scale = two.iter().fold(1e-3_f64, |m, e| m.max(e.abs()));
        for (a, b) in one.iter().zip(&two) {
            assert!((a - b).abs() <= 1e-12 * scale, "{a} vs {b}");
        }
        assert!(v.flatten().dot(&one) >= 0.0);
    }
}

/// A small adding network `[2, 3, 4, 1]` with random weights and biases.
fn tiny_adding_net(seed: u64) -> AddingNet {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut m = |r: usize, c: usize| Array2::from_shape_fn((r, c), |_| rng.gen_range(-1.0..1.0));
    let (w_in, b_in) = (m(2, 3), m(1, 3).remove_axis(Axis(0)));
    let (w_h, b_h) = (m(3, 4), m(1, 4).remove_axis(Axis(0)));
    let (w_rec, b_rec) = (m(4, 4), m(1, 4).remove_axis(Axis(0)));
    let (w_out, b_out) = (m(4, 1), m(1, 1).remove_axis(Axis(0)));
    AddingNet {
        w_in,
        b_in,
        w_h,
        b_h,
        w_rec,
        b_rec,
        w_out,
        b_out,
    }
}

/// Structural damping's penalty written as ordinary differentiable code: `½ μ Σ_t
/// ‖h_t − r_t‖² / rows` on the states the network pushed, plus the squared error of
/// the output. At `r_t = h_t(p)` its value and gradient in `p` are the squared
/// error's and its Hessian gains `μ J_hᵀJ_h / rows`, what `StructuralDamping` adds to
/// the Gauss–Newton product.
// The transform reads a `Vec` argument's elements, not a slice's.
#[allow(clippy::ptr_arg)]
#[differentiable(order = 2)]
fn adding_with_state_penalty(
    p: &AddingNet,
    #[constant] x: &Array2<f64>,
    #[constant] t: &Array2<f64>,
    #[constant] reference: &Vec<Array2<f64>>,
    #[constant] mu: f64,
) -> f64 {
    let (hs, y) = adding_net(p, x, reference.len(), 0.7);
    let mut s = 0.0;
    for k in 0..hs.len() {
        let d = &hs[k] - &reference[k];
        s += (&d * &d).sum();
    }
    let e = &y - t;
    0.5 * ((&e * &e).sum() + mu * s) / (x.nrows() as f64)
}

#[test]
fn adding_states_gradient_against_central_differences() {
    // The states of all 5 steps enter the loss (against a reference that is not
    // them, so the penalty's gradient is not zero): BPTT through the pushed states.
    let steps = 5;
    let (x, t) = adding_data(3, steps, 4);
    let p = tiny_adding_net(11);
    let reference: Vec<Array2<f64>> = adding_net(&tiny_adding_net(12), &x, steps, 0.7).0;
    let mu = 0.8;
    let g = grad!(adding_with_state_penalty)(&p, &x, &t, &reference, mu).flatten();
    let flat = p.flatten();
    let f =
        |w: &Array1<f64>| adding_with_state_penalty(&p.rebuild(w).unwrap(), &x, &t, &reference, mu);
    let h = 1e-5;
    let mut penalty_part = 0.0_f64;
    for k in 0..flat.len() {
        let (mut up, mut down) = (flat.clone(), flat.clone());
        up[k] += h;
        down[k] -= h;
        let fd = (f(&up) - f(&down)) / (2.0 * h);
        assert!(
            (g[k] - fd).abs() < 1e-7 * (1.0 + fd.abs()),
            "weight {k}: {} vs {fd}",
            g[k]
        );
        penalty_part = penalty_part.max(fd.abs());
    }
    assert!(penalty_part > 1e-2, "the gradient is not trivially zero");
    // The same gradient from the network's own Jᵀ·u with the loss's output gradient.
    let (hs, y) = adding_net(&p, &x, steps, 0.7);
    let rows = x.nrows() as f64;
    let u_hs: Vec<Array2<f64>> = hs
        .iter()
        .zip(&reference)
        .map(|(h, r)| (h - r) * (mu / rows))
        .collect();
    let u_y = (&y - &t) / rows;
    let jt_u = jacobian_t_v!(adding_net)(&p, &x, steps, 0.7, &(u_hs, u_y)).flatten();
    for (a, b) in jt_u.iter().zip(&g) {
        assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
    }
}

#[test]
fn structural_damping_adds_the_hessian_of_the_state_penalty() {
    // G·v with structural damping μ at damping λ, minus G·v without it, is the
    // Hessian–vector product of ½ μλ Σ_t ‖h_t − h_t(p)‖² / rows at p (`hvp!` of the
    // ordinary-code penalty, its reference the current states).
    let steps = 4;
    let (x, t) = adding_data(3, steps, 5);
    let p = tiny_adding_net(13);
    let net = FnNetwork::new(
        "tiny adding",
        Some(2 * steps),
        move |p: &AddingNet, x: &Array2<f64>| adding_net(p, x, steps, 0.7),
        move |p: &AddingNet, x: &Array2<f64>, dp: &AddingNet| {
            jvp!(adding_net)(p, x, steps, 0.7, dp)
        },
        move |p: &AddingNet, x: &Array2<f64>, u: &AddingOut| {
            jacobian_t_v!(adding_net)(p, x, steps, 0.7, u)
        },
    );
    let (mu, lambda) = (0.3, 2.5);
    let damped = StructuralDamping::new(SquaredError, mu);
    OutputLoss::<AddingOut>::set_damping(&damped, lambda);
    let plain = StructuralDamping::new(SquaredError, mu);
    let reference = adding_net(&p, &x, steps, 0.7).0;
    let mut rng = StdRng::seed_from_u64(9);
    let flat = p.flatten();
    for _ in 0..3 {
        let v = p
            .rebuild(&Array1::from_shape_fn(flat.len(), |_| {
                rng.gen_range(-1.0..1.0)
            }))
            .unwrap();
        let with = gauss_newton_product(&net, &damped, &p, &x, &t, &v).flatten();
        let without = gauss_newton_product(&net, &plain, &p, &x, &t, &v).flatten();
        let penalty = hvp!(adding_with_state_penalty)(&p, &x, &t, &reference, mu * lambda, &v);
        let zero = hvp!(adding_with_state_penalty)(&p, &x, &t, &reference, 0.0, &v);
        let expect = penalty.flatten() - zero.flatten();
        let got = &with - &without;
        let scale = expect.iter().fold(1e-3_f64, |m, e| m.max(e.abs()));
        assert!(scale > 1e-2, "the structural term is not trivially zero");
        for (a, b) in got.iter().zip(&expect) {
            assert!(
                (a - b).abs() <= 1e-9 * scale,
                "structural G·v {a} vs hvp {b}"
            );
        }
        assert!(v.flatten().dot(&with) >= v.flatten().dot(&without));
    }
}

#[test]
fn adding_data_marks_two_steps_and_sums_them() {
    let steps = 50;
    let (x, t) = adding_data(200, steps, 3);
    for (row, target) in x.rows().into_iter().zip(t.column(0)) {
        let marked: Vec<usize> = (0..steps).filter(|&k| row[2 * k + 1] == 1.0).collect();
        assert_eq!(marked.len(), 2);
        assert!(marked[0] < steps / 10 && (steps / 10..steps / 2).contains(&marked[1]));
        let sum = row[2 * marked[0]] + row[2 * marked[1]];
        assert!((sum - target).abs() < 1e-15);
        assert!((0..steps).all(|k| (0.0..1.0).contains(&row[2 * k])));
    }
}

/// 60 s in debug on the loaded machine: `cargo test --release --test hessian_free -- --ignored`.
#[test]
#[ignore]
fn adding_short_mode_learns() {
    // A short run (400 sequences of 6 steps, minibatches of 120 with 60 for the
    // curvature, 6 epochs, initial damping 1): the held-out mean absolute error falls
    // far below that of predicting the mean target (about 0.33). The full demo (T = 50,
    // the seed's settings) runs in `cargo run --release --example hessianfree -- adding`.
    let s = AddingSettings {
        sequences: 400,
        epochs: 6,
        minibatch: 120,
        curvature: Some(60),
        init_damping: 1.0,
        ..AddingSettings::seed(6)
    };
    let r = adding(&s, false);
    assert!(r.value < 0.1, "mean absolute error {}", r.value);
}
