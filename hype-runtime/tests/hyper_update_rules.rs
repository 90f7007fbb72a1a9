//! The update rules of `optim::update` are ordinary differentiable functions: a
//! training loop written with them inside a `#[differentiable]` function (the
//! gradient from `grad!` of the training loss, per-step and per-layer rates, a
//! per-step momentum) has a `grad!` with respect to its schedules that equals
//!
//! * `hyper::reverse` on the dynamics of `hyper::train`, which runs the same rules
//!   but takes their derivatives from `hyper/rule.rs` (the rules' generated VJPs
//!   chained with the loss's Hessian-vector products);
//! * central differences of the training run (relative 1e-6);
//! * forward mode (`jvp!`) in random directions;
//!
//! for gradient descent, heavy ball, Nesterov and Adam over 24 steps.

extern crate hype_runtime as hype;

mod hyper_common;

use hype::hyper::{reverse, Optimizer, TrainHyper, TrainLoss, TrainSetup};
use hype::optim::update::{
    adam_update, gradient_descent_update, heavy_ball_update, nesterov_update,
};
use hype::{ops, Tangent};
use hype_macros::{differentiable, grad, hvp, value_and_grad};
use hyper_common::Lcg;
use ndarray::{Array1, Array2};

const STEPS: usize = 24;
const EXAMPLES: usize = 10;

/// The data and the constants of the training loops: the model `y ≈ tanh(x A) b` has
/// flat parameters `w = (A, b)` (3×2 + 2 = 8 scalars, two layers); `sel0`, `sel1`,
/// `pb` pick the columns of `A` and `b` out of `w`, `layer_a`, `layer_b` are the
/// layers' 0/1 masks.
#[derive(Clone, Debug)]
struct Data {
    x: Array2<f64>,
    y: Array1<f64>,
    vx: Array2<f64>,
    vy: Array1<f64>,
    sel0: Array2<f64>,
    sel1: Array2<f64>,
    pb: Array2<f64>,
    layer_a: Array1<f64>,
    layer_b: Array1<f64>,
    zero: Array1<f64>,
}

const PARAMS: usize = 8;

/// Mean squared error of `tanh(x A) b` plus a small L2 penalty: column `j` of `A` is
/// `sel[j] w` (`A` stored row by row in `w[0..6]`), `b = pb w` (`w[6..8]`).
#[differentiable(order = 2)]
fn model_loss(
    w: &Array1<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array1<f64>,
    #[constant] d: &Data,
) -> f64 {
    let b = d.pb.dot(w);
    let z0 = x.dot(&d.sel0.dot(w));
    let z1 = x.dot(&d.sel1.dot(w));
    let r = b[0] * &ops::tanh(&z0) + &(b[1] * &ops::tanh(&z1)) - y;
    r.dot(&r) / (y.len() as f64) + 0.005 * w.dot(w)
}

/// The per-coordinate rates of step `t` from the `steps × 2` per-layer schedule.
#[differentiable]
fn rates(lr: &Array2<f64>, #[constant] t: usize, #[constant] d: &Data) -> Array1<f64> {
    lr[[t, 0]] * &d.layer_a + &(lr[[t, 1]] * &d.layer_b)
}

/// Validation loss after gradient descent with per-step, per-layer rates.
#[differentiable]
fn after_gradient_descent(
    lr: &Array2<f64>,
    _mu: &Array1<f64>,
    #[constant] w0: &Array1<f64>,
    #[constant] d: &Data,
) -> f64 {
    let mut w = w0.clone();
    for t in 0..lr.nrows() {
        let g = grad!(model_loss)(&w, &d.x, &d.y, d);
        let p = -&g;
        w = gradient_descent_update(&w, &p, &rates(lr, t, d));
    }
    model_loss(&w, &d.vx, &d.vy, d)
}

/// Validation loss after heavy ball with per-step, per-layer rates and momenta.
#[differentiable]
fn after_heavy_ball(
    lr: &Array2<f64>,
    mu: &Array1<f64>,
    #[constant] w0: &Array1<f64>,
    #[constant] d: &Data,
) -> f64 {
    let mut w = w0.clone();
    let mut v = d.zero.clone();
    for t in 0..lr.nrows() {
        let g = grad!(model_loss)(&w, &d.x, &d.y, d);
        let p = -&g;
        let (w2, v2) = heavy_ball_update(&w, &v, &p, &rates(lr, t, d), mu[t]);
        w = w2;
        v = v2;
    }
    model_loss(&w, &d.vx, &d.vy, d)
}

/// Validation loss after Nesterov momentum with per-step, per-layer rates and momenta.
#[differentiable]
fn after_nesterov(
    lr: &Array2<f64>,
    mu: &Array1<f64>,
    #[constant] w0: &Array1<f64>,
    #[constant] d: &Data,
) -> f64 {
    let mut w = w0.clone();
    let mut v = d.zero.clone();
    for t in 0..lr.nrows() {
        let g = grad!(model_loss)(&w, &d.x, &d.y, d);
        let p = -&g;
        let (w2, v2) = nesterov_update(&w, &v, &p, &rates(lr, t, d), mu[t]);
        w = w2;
        v = v2;
    }
    model_loss(&w, &d.vx, &d.vy, d)
}

/// Validation loss after Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) with per-step,
/// per-layer rates.
#[differentiable]
fn after_adam(
    lr: &Array2<f64>,
    _mu: &Array1<f64>,
    #[constant] w0: &Array1<f64>,
    #[constant] d: &Data,
) -> f64 {
    let mut w = w0.clone();
    let mut m = d.zero.clone();
    let mut u = d.zero.clone();
    for t in 0..lr.nrows() {
        let g = grad!(model_loss)(&w, &d.x, &d.y, d);
        let p = -&g;
        let (w2, m2, u2) = adam_update(&w, &m, &u, &p, &g, &rates(lr, t, d), 0.9, 0.999, 1e-8, t);
        w = w2;
        m = m2;
        u = u2;
    }
    model_loss(&w, &d.vx, &d.vy, d)
}

/// The same loss for `hyper::train`: every step sees all examples.
struct Full(Data);

impl TrainLoss<Array1<f64>> for Full {
    type Hyper = ();
    fn gradient(&self, w: &Array1<f64>, _: &(), _: &[usize]) -> Array1<f64> {
        let d = &self.0;
        grad!(model_loss)(w, &d.x, &d.y, d)
    }
    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        _: &(),
        _: &[usize],
        v: &Array1<f64>,
    ) -> (Array1<f64>, ()) {
        let d = &self.0;
        (hvp!(model_loss)(w, &d.x, &d.y, d, v), ())
    }
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        _: &(),
        _: &[usize],
        dw: &Array1<f64>,
        _: &(),
    ) -> Array1<f64> {
        let d = &self.0;
        hvp!(model_loss)(w, &d.x, &d.y, d, dw)
    }
}

fn data() -> (Data, Array1<f64>) {
    let mut rng = Lcg(29);
    let x = rng.matrix(EXAMPLES, 3);
    let vx = rng.matrix(6, 3);
    let target = |x: &Array2<f64>| {
        Array1::from_shape_fn(x.nrows(), |i| {
            (x[[i, 0]] - 0.5 * x[[i, 1]]).sin() + 0.3 * x[[i, 2]]
        })
    };
    let sel = |c: usize| {
        Array2::from_shape_fn(
            (3, PARAMS),
            move |(k, j)| if j == 2 * k + c { 1.0 } else { 0.0 },
        )
    };
    let pb = Array2::from_shape_fn((2, PARAMS), |(i, j)| if j == 6 + i { 1.0 } else { 0.0 });
    let layer_a = Array1::from_shape_fn(PARAMS, |j| if j < 6 { 1.0 } else { 0.0 });
    let d = Data {
        y: target(&x),
        vy: target(&vx),
        x,
        vx,
        sel0: sel(0),
        sel1: sel(1),
        pb,
        layer_b: 1.0 - &layer_a,
        layer_a,
        zero: Array1::zeros(PARAMS),
    };
    let mut rng = Lcg(31);
    let w0 = Array1::from_shape_fn(PARAMS, |_| 0.6 * rng.next());
    (d, w0)
}

/// A jagged per-step, per-layer schedule around `base` and momenta around `mu`.
fn schedule(base: f64, mu: f64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = Lcg(37);
    let lr = Array2::from_shape_fn((STEPS, 2), |(_, k)| {
        base * (1.0 + 0.4 * k as f64) * (1.0 + 0.3 * rng.next())
    });
    let momentum = Array1::from_shape_fn(STEPS, |_| mu * (1.0 + 0.1 * rng.next()));
    (lr, momentum)
}

fn max_abs(a: &Array1<f64>) -> f64 {
    a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

type Run = fn(&Array2<f64>, &Array1<f64>, &Array1<f64>, &Data) -> f64;
type Grad = fn(&Array2<f64>, &Array1<f64>, &Array1<f64>, &Data) -> (Array2<f64>, Array1<f64>);
type Jvp =
    fn(&Array2<f64>, &Array1<f64>, &Array1<f64>, &Data, &Array2<f64>, &Array1<f64>) -> (f64, f64);

/// `grad` and `jvp` are `grad!(run)` and `jvp!(run)` (the macros name
/// `run::__grad` and `run::__jvp`, passed here as functions).
#[track_caller]
fn check(optimizer: Optimizer, run: Run, grad: Grad, jvp: Jvp, base: f64, mu: f64) {
    let (d, w0) = data();
    let (lr, momentum) = schedule(base, mu);
    let (glr, gmu) = grad(&lr, &momentum, &w0, &d);
    let scale = max_abs(&glr.flatten().to_owned()).max(max_abs(&gmu));
    assert!(
        scale > 1e-3,
        "{optimizer:?}: the schedule matters ({scale})"
    );

    // hyper::reverse on the dynamics of hyper::train with the same rule.
    let setup = TrainSetup::from_batches(
        Full(d.clone()),
        optimizer,
        vec![(0..EXAMPLES).collect(); STEPS],
    )
    .unwrap()
    .groups(vec![0..6, 6..PARAMS])
    .unwrap();
    let h = TrainHyper {
        lr: lr.clone(),
        momentum: momentum.clone(),
        l2: 0.0,
        init_scale: 1.0,
        loss: (),
    };
    let validation = |s: &Vec<Array1<f64>>, h: &TrainHyper<()>| {
        let (v, g) = value_and_grad!(model_loss)(&s[0], &d.vx, &d.vy, &d);
        let mut sb: Vec<Array1<f64>> = s.iter().map(Tangent::zero_like).collect();
        sb[0] = g;
        (v, sb, h.zero_like())
    };
    let s0 = setup.initial_state(&h, &w0);
    let r = reverse(
        &setup.dynamics::<Array1<f64>>(),
        &validation,
        &s0,
        &h,
        STEPS,
    );
    assert_eq!(
        r.value,
        run(&lr, &momentum, &w0, &d),
        "{optimizer:?}: value"
    );
    let e_lr = max_abs(&(&r.grad.lr - &glr).flatten().to_owned()) / scale;
    let e_mu = max_abs(&(&r.grad.momentum - &gmu)) / scale;
    assert!(
        e_lr < 1e-12 && e_mu < 1e-12,
        "{optimizer:?}: grad! against hyper::reverse: rates {e_lr:e}, momentum {e_mu:e}"
    );

    // Central differences in every rate and momentum.
    let eps = 1e-6;
    for t in 0..STEPS {
        for k in 0..2 {
            let h = eps * lr[[t, k]];
            let (mut up, mut down) = (lr.clone(), lr.clone());
            up[[t, k]] += h;
            down[[t, k]] -= h;
            let fd = (run(&up, &momentum, &w0, &d) - run(&down, &momentum, &w0, &d)) / (2.0 * h);
            assert!(
                (glr[[t, k]] - fd).abs() <= 1e-6 * scale,
                "{optimizer:?}: rate ({t}, {k}): grad! {} vs central difference {fd}",
                glr[[t, k]]
            );
        }
        let h = eps * momentum[t].abs().max(0.1);
        let (mut up, mut down) = (momentum.clone(), momentum.clone());
        up[t] += h;
        down[t] -= h;
        let fd = (run(&lr, &up, &w0, &d) - run(&lr, &down, &w0, &d)) / (2.0 * h);
        assert!(
            (gmu[t] - fd).abs() <= 1e-6 * scale,
            "{optimizer:?}: momentum {t}: grad! {} vs central difference {fd}",
            gmu[t]
        );
    }

    // Forward mode equals reverse mode.
    let mut rng = Lcg(41);
    for _ in 0..3 {
        let dlr = lr.mapv(|_| rng.next());
        let dmu = momentum.mapv(|_| rng.next());
        let (_, by_jvp) = jvp(&lr, &momentum, &w0, &d, &dlr, &dmu);
        let by_grad = (&glr * &dlr).sum() + gmu.dot(&dmu);
        assert!(
            (by_jvp - by_grad).abs() <= 1e-12 * scale * (2 * STEPS) as f64,
            "{optimizer:?}: jvp! {by_jvp} vs <grad!, direction> {by_grad}"
        );
    }
}

#[test]
fn gradient_descent_rule_inside_grad() {
    check(
        Optimizer::GradientDescent,
        after_gradient_descent,
        after_gradient_descent::__grad,
        after_gradient_descent::__jvp,
        0.3,
        0.0,
    );
}

#[test]
fn heavy_ball_rule_inside_grad() {
    check(
        Optimizer::Momentum,
        after_heavy_ball,
        after_heavy_ball::__grad,
        after_heavy_ball::__jvp,
        0.15,
        0.6,
    );
}

#[test]
fn nesterov_rule_inside_grad() {
    check(
        Optimizer::Nesterov,
        after_nesterov,
        after_nesterov::__grad,
        after_nesterov::__jvp,
        0.15,
        0.6,
    );
}

#[test]
fn adam_rule_inside_grad() {
    check(
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        },
        after_adam,
        after_adam::__grad,
        after_adam::__jvp,
        0.02,
        0.0,
    );
}
