//! Every hypergradient driver against every other and against central finite
//! differences of the unrolled validation loss, for each inner optimizer (gradient
//! descent, heavy ball, Nesterov, Adam, Maclaurin's SGD with momentum) on a quadratic
//! and on weighted logistic regression, with per-step schedules, per-example weights
//! and an L2 weight as hyperparameters.

mod hyper_common;

use hype_runtime::hyper::{
    checkpointed, forward, reverse, reversible, truncated, Adam, Checkpointing, Dynamics,
    GradientDescent, HeavyBall, HyperError, Nesterov, ReversibleParams, SgdMomentum, StepHyper,
    Validation,
};
use hype_runtime::Tangent;
use hyper_common::*;
use ndarray::{Array1, Array2};

/// Runs every generic driver; asserts agreement (bit-exact for the drivers that do the
/// same operations, 1e-9 between reverse and forward mode, 1e-6 against finite
/// differences) and returns the Reverse-HG hypergradient (flat).
fn check_all<D, V>(
    label: &str,
    d: &D,
    v: &V,
    s0: &D::State,
    h: &D::Hyper,
    steps: usize,
) -> Array1<f64>
where
    D: Dynamics,
    V: Validation<D::State, D::Hyper>,
{
    let rev = reverse(d, v, s0, h, steps);
    let g = rev.grad.flatten();
    let g0 = rev.initial_state_grad.as_ref().unwrap().flatten();
    assert!(
        g.iter().all(|x| x.is_finite()),
        "{label}: non-finite hypergradient"
    );

    for scheme in [
        Checkpointing::Sqrt,
        Checkpointing::Binomial { snapshots: 1 },
        Checkpointing::Binomial { snapshots: 3 },
    ] {
        let c = checkpointed(d, v, s0, h, steps, scheme).unwrap();
        assert_eq!(c.value, rev.value, "{label} {scheme:?}: value");
        assert_eq!(c.grad.flatten(), g, "{label} {scheme:?}: hypergradient");
        assert_eq!(
            c.initial_state_grad.unwrap().flatten(),
            g0,
            "{label} {scheme:?}: dE/ds0"
        );
        assert_eq!(c.stats.vjps, steps);
    }

    let tr = truncated(d, v, s0, h, steps, steps).unwrap();
    assert_eq!(tr.grad.flatten(), g, "{label}: truncated with K = T");
    assert_eq!(tr.initial_state_grad.unwrap().flatten(), g0);

    let fwd = forward(d, v, s0, h, steps);
    assert_eq!(fwd.value, rev.value, "{label}: forward value");
    let e = rel_err(&fwd.grad.flatten(), &g);
    assert!(e < 1e-9, "{label}: forward vs reverse relative error {e:e}");
    assert_eq!(fwd.stats.jvps, steps * h.flat_len());

    // The step's JVP and VJP are transposes of each other: <s̄, J(ds, dh)> equals
    // <Jᵀ s̄, (ds, dh)>, at a state a few steps in (nonzero optimizer state); the
    // batched JVP equals the single one.
    let s3 = hype_runtime::hyper::unroll(d, s0, h, 3.min(steps));
    let (ds, dh, sb) = (s3.clone(), h.clone(), s3.clone());
    let jvp = d.step_jvp(&s3, h, 1, &ds, &dh);
    let (vs, vh) = d.step_vjp(&s3, h, 1, &sb);
    let (left, right) = (sb.inner(&jvp), vs.inner(&ds) + vh.inner(&dh));
    assert!(
        (left - right).abs() <= 1e-12 * left.abs().max(right.abs()),
        "{label}: {left} vs {right}"
    );
    let batched = d.step_jvps(
        &s3,
        h,
        1,
        &[ds.clone(), ds.zero_like()],
        &[dh.clone(), dh.clone()],
    );
    assert_eq!(batched.len(), 2);
    assert!(
        rel_err(&batched[0].flatten(), &jvp.flatten()) < 1e-14,
        "{label}: batched JVP"
    );
    // The step and the tangents in one call (Forward-HG's) are, to the bit, the step
    // and the batched JVP.
    let (next, both) = d.step_and_jvps(
        &s3,
        h,
        1,
        &[ds.clone(), ds.zero_like()],
        &[dh.clone(), dh.clone()],
    );
    assert_eq!(
        next.flatten(),
        d.step(&s3, h, 1).flatten(),
        "{label}: step_and_jvps's step"
    );
    assert_eq!(both.len(), 2);
    for (one, other) in both.iter().zip(&batched) {
        assert_eq!(
            one.flatten(),
            other.flatten(),
            "{label}: step_and_jvps's tangents"
        );
    }

    let fd = finite_differences(d, v, s0, h, steps, 1e-5);
    let e = rel_err(&g, &fd);
    assert!(
        e < 1e-6,
        "{label}: reverse vs finite differences relative error {e:e}\n{g}\n{fd}"
    );
    g
}

fn schedule(steps: usize, base: f64, spread: f64) -> Array1<f64> {
    (0..steps)
        .map(|t| base * (1.0 + spread * ((t as f64) * 0.7).sin()))
        .collect()
}

const T: usize = 30;

fn quad_problem() -> (Quadratic, Array1<f64>, Array1<f64>) {
    let q = Quadratic::new(5, 7);
    let mut rng = Lcg(99);
    (q, rng.vector(5), rng.vector(5))
}

#[test]
fn quadratic_gradient_descent() {
    let (q, w0, target) = quad_problem();
    let h = StepHyper::schedule(schedule(T, 0.15, 0.3), Array1::zeros(0), 0.1);
    let v = quadratic_validation(target, 0.3);
    let g = check_all("quad GD", &GradientDescent(q), &v, &w0, &h, T);
    assert_eq!(g.len(), T + 1);
}

#[test]
fn quadratic_heavy_ball() {
    let (q, w0, target) = quad_problem();
    let h = StepHyper::schedule(schedule(T, 0.1, 0.3), Array1::from_elem(1, 0.7), 0.1);
    let v = quadratic_validation(target, 0.3);
    let s0 = (w0.clone(), w0.zero_like());
    check_all("quad heavy ball", &HeavyBall(q), &v, &s0, &h, T);
}

#[test]
fn quadratic_nesterov() {
    let (q, w0, target) = quad_problem();
    let h = StepHyper::schedule(schedule(T, 0.1, 0.3), schedule(T, 0.6, 0.2), 0.1);
    let v = quadratic_validation(target, 0.3);
    let s0 = (w0.clone(), w0.zero_like());
    check_all("quad Nesterov", &Nesterov(q), &v, &s0, &h, T);
}

#[test]
fn quadratic_adam() {
    let (q, w0, target) = quad_problem();
    let h = StepHyper::schedule(schedule(T, 0.05, 0.3), Array1::zeros(0), 0.1);
    let v = quadratic_validation(target, 0.3);
    let s0 = (w0.clone(), w0.zero_like(), w0.zero_like());
    check_all("quad Adam", &Adam::new(q), &v, &s0, &h, T);
}

#[test]
fn quadratic_sgd_momentum_and_reversible() {
    let (q, w0, target) = quad_problem();
    let h = StepHyper::schedule(schedule(T, 0.3, 0.3), schedule(T, 0.8, 0.1), 0.1);
    let v = quadratic_validation(target, 0.3);
    let s0 = (w0.clone(), w0.zero_like());
    let d = SgdMomentum(q);
    let g = check_all("quad SGD-momentum", &d, &v, &s0, &h, T);
    let r = reversible(&d, &v, &s0, &h, &ReversibleParams::new(T)).unwrap();
    assert_eq!(r.recovered_exact, r.initial_exact);
    let e = rel_err(&r.hypergradient.grad.flatten(), &g);
    assert!(e < 1e-9, "reversible vs reverse relative error {e:e}");
}

const TL: usize = 25;

fn logistic_problem() -> (Logistic, Logistic, Array1<f64>, (Array1<f64>, f64)) {
    let train = Logistic::new(12, 4, 3);
    let val = Logistic::new(20, 4, 4);
    let w0 = Lcg(5).vector(4) * 0.1;
    let c = (0..12).map(|i| 0.5 + 0.1 * i as f64).collect();
    (train, val, w0, (c, 0.05))
}

#[test]
fn logistic_gradient_descent() {
    let (train, val, w0, lam) = logistic_problem();
    let h = StepHyper::schedule(schedule(TL, 0.8, 0.3), Array1::zeros(0), lam);
    let g = check_all(
        "logistic GD",
        &GradientDescent(train),
        &logistic_validation(val),
        &w0,
        &h,
        TL,
    );
    assert_eq!(g.len(), TL + 12 + 1);
}

#[test]
fn logistic_heavy_ball() {
    let (train, val, w0, lam) = logistic_problem();
    let h = StepHyper::schedule(Array1::from_elem(1, 0.5), schedule(TL, 0.6, 0.3), lam);
    let s0 = (w0.clone(), w0.zero_like());
    check_all(
        "logistic heavy ball",
        &HeavyBall(train),
        &logistic_validation(val),
        &s0,
        &h,
        TL,
    );
}

#[test]
fn logistic_nesterov() {
    let (train, val, w0, lam) = logistic_problem();
    let h = StepHyper::schedule(schedule(TL, 0.4, 0.3), Array1::from_elem(1, 0.6), lam);
    let s0 = (w0.clone(), w0.zero_like());
    check_all(
        "logistic Nesterov",
        &Nesterov(train),
        &logistic_validation(val),
        &s0,
        &h,
        TL,
    );
}

#[test]
fn logistic_adam() {
    let (train, val, w0, lam) = logistic_problem();
    let h = StepHyper::schedule(schedule(TL, 0.05, 0.3), Array1::zeros(0), lam);
    let s0 = (w0.clone(), w0.zero_like(), w0.zero_like());
    check_all(
        "logistic Adam",
        &Adam::new(train),
        &logistic_validation(val),
        &s0,
        &h,
        TL,
    );
}

#[test]
fn logistic_sgd_momentum_and_reversible() {
    let (train, val, w0, lam) = logistic_problem();
    let h = StepHyper::schedule(schedule(TL, 1.0, 0.3), schedule(TL, 0.8, 0.1), lam);
    let s0 = (w0.clone(), w0.zero_like());
    let d = SgdMomentum(train);
    let v = logistic_validation(val);
    let g = check_all("logistic SGD-momentum", &d, &v, &s0, &h, TL);
    let r = reversible(&d, &v, &s0, &h, &ReversibleParams::new(TL)).unwrap();
    assert_eq!(r.recovered_exact, r.initial_exact);
    let e = rel_err(&r.hypergradient.grad.flatten(), &g);
    assert!(e < 1e-9, "reversible vs reverse relative error {e:e}");
}

/// A dynamics written directly against the trait (no adapter): gradient descent on
/// weighted least squares `(1/2m) Σ c_i (x_iᵀw - y_i)²` with the per-example weights
/// `c` as the hyperparameters and a fixed rate.
struct WeightedLeastSquares {
    x: Array2<f64>,
    y: Array1<f64>,
    lr: f64,
}

impl WeightedLeastSquares {
    fn residual(&self, w: &Array1<f64>) -> Array1<f64> {
        self.x.dot(w) - &self.y
    }
    fn m(&self) -> f64 {
        self.y.len() as f64
    }
}

impl Dynamics for WeightedLeastSquares {
    type State = Array1<f64>;
    type Hyper = Array1<f64>;
    fn step(&self, w: &Array1<f64>, c: &Array1<f64>, _t: usize) -> Array1<f64> {
        w - &(self.lr / self.m() * self.x.t().dot(&(c * &self.residual(w))))
    }
    fn step_vjp(
        &self,
        w: &Array1<f64>,
        c: &Array1<f64>,
        _t: usize,
        wb: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>) {
        let xwb = self.x.dot(wb);
        let dw = wb - &(self.lr / self.m() * self.x.t().dot(&(c * &xwb)));
        let dc = -self.lr / self.m() * &(&self.residual(w) * &xwb);
        (dw, dc)
    }
    fn step_jvp(
        &self,
        w: &Array1<f64>,
        c: &Array1<f64>,
        _t: usize,
        dw: &Array1<f64>,
        dc: &Array1<f64>,
    ) -> Array1<f64> {
        let inner = c * &self.x.dot(dw) + dc * &self.residual(w);
        dw - &(self.lr / self.m() * self.x.t().dot(&inner))
    }
}

#[test]
fn hand_written_dynamics_per_example_weights() {
    let mut rng = Lcg(11);
    let x = rng.matrix(15, 3);
    let y = rng.vector(15);
    let d = WeightedLeastSquares { x, y, lr: 0.5 };
    let (xv, yv) = (rng.matrix(10, 3), rng.vector(10));
    let v = move |w: &Array1<f64>, c: &Array1<f64>| {
        let r = xv.dot(w) - &yv;
        (0.5 * r.dot(&r) / 10.0, xv.t().dot(&r) / 10.0, c.zero_like())
    };
    let c = Array1::from_elem(15, 1.0);
    let w0 = Array1::zeros(3);
    let g = check_all("weighted least squares", &d, &v, &w0, &c, 40);
    assert_eq!(g.len(), 15);
}

/// An initialization hyperparameter by the chain rule: `s_0 = σ z` gives
/// `dE/dσ = <dE/ds_0, z>` from the reverse drivers' initial-state gradient.
#[test]
fn initialization_scale_through_the_initial_state_gradient() {
    let (q, z, target) = quad_problem();
    let d = Nesterov(q);
    // A short, slow run, so that the start still matters.
    let h = StepHyper::constant(0.02, 0.6, 0.1);
    let v = quadratic_validation(target, 0.0);
    let sigma = 0.7;
    let loss_at = |sigma: f64| {
        let s0 = (sigma * &z, z.zero_like());
        hype_runtime::hyper::unrolled_loss(&d, &v, &s0, &h, T)
    };
    let s0 = (sigma * &z, z.zero_like());
    let r = reverse(&d, &v, &s0, &h, T);
    let (gw0, gv0) = r.initial_state_grad.unwrap();
    let dsigma = gw0.dot(&z);
    let eps = 1e-5;
    let fd = (loss_at(sigma + eps) - loss_at(sigma - eps)) / (2.0 * eps);
    assert!(fd.abs() > 1e-2, "the start matters: {fd}");
    assert!((dsigma - fd).abs() < 1e-7 * fd.abs(), "{dsigma} vs {fd}");
    assert_eq!(gv0.len(), 5);
    let c = checkpointed(&d, &v, &s0, &h, T, Checkpointing::Sqrt).unwrap();
    assert_eq!(c.initial_state_grad.unwrap().0.dot(&z), dsigma);
}

#[test]
fn layerwise_schedule_heavy_ball() {
    use hype_runtime::hyper::{LayerwiseHeavyBall, LayerwiseHyper};
    let (q, w0, target) = quad_problem();
    let d = LayerwiseHeavyBall::new(q, vec![0..2, 2..5]).unwrap();
    let steps = 12;
    let lr = ndarray::Array2::from_shape_fn((steps, 2), |(t, k)| {
        0.05 + 0.01 * t as f64 + 0.04 * k as f64
    });
    let h = LayerwiseHyper {
        lr,
        momentum: Array1::from_elem(1, 0.5),
        loss: 0.1,
    };
    d.check(&h, steps).unwrap();
    let v = move |s: &(Array1<f64>, Array1<f64>), h: &LayerwiseHyper<f64>| {
        let r = &s.0 - &target;
        let mut gh = h.zero_like();
        gh.loss = 0.2 * h.loss;
        (
            0.5 * r.dot(&r) + 0.1 * h.loss * h.loss,
            (r, s.1.zero_like()),
            gh,
        )
    };
    let s0 = (w0.clone(), w0.zero_like());
    let g = check_all("layerwise heavy ball", &d, &v, &s0, &h, steps);
    assert_eq!(g.len(), 2 * steps + 2);
    // Bad groups and shapes are errors.
    assert!(LayerwiseHeavyBall::new(Quadratic::new(5, 7), vec![0..2, 3..5]).is_err());
    assert!(LayerwiseHeavyBall::new(Quadratic::new(5, 7), vec![]).is_err());
    let wrong = LayerwiseHyper {
        lr: ndarray::Array2::zeros((steps, 3)),
        ..h.clone()
    };
    assert!(matches!(
        d.check(&wrong, steps),
        Err(HyperError::Length { .. })
    ));
}
