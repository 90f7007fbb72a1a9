//! `hyper::train` is differentiable: `grad!` and `jvp!` of an ordinary
//! `#[differentiable]` function that trains a network with it and returns the
//! validation loss go through the whole training run (its rules are Reverse-HG and
//! Forward-HG). Checked, for gradient descent, heavy ball, Nesterov and Adam over 20
//! minibatch steps with per-step and per-layer rates, against
//!
//! * `hyper::reverse` on the same dynamics (and the checkpointed rule, bit for bit);
//! * the optimizers of `hyper::dynamics` / `hyper::layerwise` (derived independently)
//!   on full-batch training;
//! * central differences of training itself (relative 1e-6);
//! * forward mode (`jvp!`) in random directions;
//!
//! and the primal against `optim::train` with the same settings (bit for bit).

extern crate hype_runtime as hype;

use hype::data::Dataset;
use hype::hyper::{
    self, reverse, Adam, Checkpointing, GradientDescent, HeavyBall, InnerLoss, LayerwiseHeavyBall,
    LayerwiseHyper, Nesterov, ReverseMode, StepHyper, TrainHyper, TrainLoss, TrainSetup,
};
use hype::optim::{AdamParams, Batch, LearningRate, Momentum, TrainParams};
use hype::{ops, Tangent};
use hype_macros::{differentiable, grad, hvp, jvp};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// A 3-4-2 tanh network without biases.
#[derive(Clone, Debug, PartialEq, Tangent)]
struct Net {
    w1: Array2<f64>,
    w2: Array2<f64>,
}

/// Weighted mean squared error of one batch; `wts` are the batch's example weights.
#[differentiable(order = 2)]
fn batch_loss(
    m: &Net,
    wts: &Array1<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
) -> f64 {
    let h = ops::tanh(&x.dot(&m.w1));
    let r = &h.dot(&m.w2) - y;
    let per = (&r * &r).sum_axis(Axis(1));
    per.dot(wts) / (y.nrows() as f64)
}

/// The unweighted loss (validation).
#[differentiable]
fn plain_loss(m: &Net, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let h = ops::tanh(&x.dot(&m.w1));
    let r = &h.dot(&m.w2) - y;
    (&r * &r).sum() / (y.nrows() as f64)
}

/// The training loss over the rows of a data set; its hyperparameters are the
/// per-example weights of all rows.
struct Loss {
    x: Array2<f64>,
    y: Array2<f64>,
}

impl Loss {
    fn batch(&self, lam: &Array1<f64>, rows: &[usize]) -> (Array1<f64>, Array2<f64>, Array2<f64>) {
        (
            lam.select(Axis(0), rows),
            self.x.select(Axis(0), rows),
            self.y.select(Axis(0), rows),
        )
    }
}

impl TrainLoss<Net> for Loss {
    type Hyper = Array1<f64>;
    fn gradient(&self, m: &Net, lam: &Array1<f64>, rows: &[usize]) -> Net {
        let (w, x, y) = self.batch(lam, rows);
        grad!(batch_loss)(m, &w, &x, &y).0
    }
    fn gradient_vjp(
        &self,
        m: &Net,
        lam: &Array1<f64>,
        rows: &[usize],
        v: &Net,
    ) -> (Net, Array1<f64>) {
        let (w, x, y) = self.batch(lam, rows);
        let (hv, hw) = hvp!(batch_loss)(m, &w, &x, &y, v, &Array1::zeros(rows.len()));
        let mut full = Array1::zeros(lam.len());
        for (k, &i) in rows.iter().enumerate() {
            full[i] += hw[k];
        }
        (hv, full)
    }
    fn gradient_jvp(
        &self,
        m: &Net,
        lam: &Array1<f64>,
        rows: &[usize],
        dm: &Net,
        dlam: &Array1<f64>,
    ) -> Net {
        let (w, x, y) = self.batch(lam, rows);
        hvp!(batch_loss)(m, &w, &x, &y, dm, &dlam.select(Axis(0), rows)).0
    }
}

/// Validation loss after training: what the tests differentiate.
#[differentiable]
fn after_training(
    h: &TrainHyper<Array1<f64>>,
    init: &Net,
    #[constant] setup: &TrainSetup<Loss>,
    #[constant] vx: &Array2<f64>,
    #[constant] vy: &Array2<f64>,
) -> f64 {
    let m = hyper::train(h, init, setup);
    plain_loss(&m, vx, vy)
}

const EXAMPLES: usize = 12;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    fn matrix(&mut self, r: usize, c: usize) -> Array2<f64> {
        Array2::from_shape_fn((r, c), |_| self.next())
    }
}

struct Problem {
    train: Dataset,
    vx: Array2<f64>,
    vy: Array2<f64>,
    init: Net,
}

fn problem() -> Problem {
    let mut rng = Lcg(3);
    let target = |x: &Array2<f64>| {
        let mut y = Array2::zeros((x.nrows(), 2));
        for i in 0..x.nrows() {
            y[[i, 0]] = (x[[i, 0]] - 0.5 * x[[i, 1]]).sin();
            y[[i, 1]] = x[[i, 2]] * x[[i, 0]];
        }
        y
    };
    let x = rng.matrix(EXAMPLES, 3);
    let vx = rng.matrix(8, 3);
    Problem {
        train: Dataset::new(x.clone(), target(&x)).unwrap(),
        vy: target(&vx),
        vx,
        init: Net {
            w1: 0.5 * rng.matrix(3, 4),
            w2: 0.5 * rng.matrix(4, 2),
        },
    }
}

/// 20 steps: minibatches of 3 of the 12 examples, 5 epochs, shuffled.
fn params(lr: LearningRate, momentum: Momentum) -> TrainParams {
    TrainParams::minibatch(3)
        .epochs(5)
        .shuffle(11)
        .progress(false)
        .optim(
            hype::optim::Params::default()
                .epochs(5)
                .learning_rate(lr)
                .momentum(momentum)
                .return_best(false),
        )
}

fn setup_for(p: &Problem, params: &TrainParams) -> TrainSetup<Loss> {
    let loss = Loss {
        x: p.train.x.clone(),
        y: p.train.y.clone(),
    };
    TrainSetup::new(loss, EXAMPLES, params).unwrap()
}

/// Layer groups of the flat `Net`: `w1` (12 scalars), `w2` (8).
fn layers() -> Vec<std::ops::Range<usize>> {
    vec![0..12, 12..20]
}

/// A jagged per-step, per-layer schedule around `base`, with per-example weights
/// around 1, an L2 weight and an initialization scale.
fn rich_hyper(steps: usize, base: f64, momentum: f64) -> TrainHyper<Array1<f64>> {
    let mut rng = Lcg(5);
    TrainHyper {
        lr: Array2::from_shape_fn((steps, 2), |_| base * (1.0 + 0.3 * rng.next())),
        momentum: Array1::from_shape_fn(steps, |_| momentum * (1.0 + 0.1 * rng.next())),
        l2: 0.01,
        init_scale: 0.9,
        loss: Array1::from_shape_fn(EXAMPLES, |_| 1.0 + 0.3 * rng.next()),
    }
}

fn validation_of(p: &Problem, setup: &TrainSetup<Loss>, h: &TrainHyper<Array1<f64>>) -> f64 {
    let m = hyper::try_train(h, &p.init, setup).unwrap();
    plain_loss(&m, &p.vx, &p.vy)
}

fn max_rel(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs() / scale))
}

/// Central differences of the validation loss in every flat coordinate of `h` and
/// in a few coordinates of the initial network.
fn check_against_differences(p: &Problem, setup: &TrainSetup<Loss>, h: &TrainHyper<Array1<f64>>) {
    let (gh, gi) = grad!(after_training)(h, &p.init, setup, &p.vx, &p.vy);
    let flat = h.flatten();
    let g = gh.flatten();
    for i in 0..flat.len() {
        // Unused momentum entries (gradient descent, Adam) have an exact zero.
        let eps = 1e-5 * flat[i].abs().max(0.1);
        let mut up = flat.clone();
        up[i] += eps;
        let mut down = flat.clone();
        down[i] -= eps;
        let fd = (validation_of(p, setup, &h.rebuild(&up).unwrap())
            - validation_of(p, setup, &h.rebuild(&down).unwrap()))
            / (2.0 * eps);
        let tol = 1e-6 * g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            (g[i] - fd).abs() <= tol,
            "{:?}: coordinate {i} of the hyperparameters: grad! {} vs central difference {fd}",
            setup.optimizer,
            g[i]
        );
    }
    let fi = p.init.flatten();
    let gif = gi.flatten();
    for i in [0, 5, 13, 19] {
        let eps = 1e-5;
        let shifted = |d: f64| {
            let mut f = fi.clone();
            f[i] += d;
            let q = Problem {
                init: p.init.rebuild(&f).unwrap(),
                train: p.train.clone(),
                vx: p.vx.clone(),
                vy: p.vy.clone(),
            };
            validation_of(&q, setup, h)
        };
        let fd = (shifted(eps) - shifted(-eps)) / (2.0 * eps);
        let tol = 1e-6 * gif.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            (gif[i] - fd).abs() <= tol,
            "initial weight {i}: grad! {} vs central difference {fd}",
            gif[i]
        );
    }
}

/// `grad!` through `train` against `hyper::reverse` on the setup's own dynamics, the
/// checkpointed rule, central differences and forward mode.
fn check_all(lr: LearningRate, momentum: Momentum, base: f64, mu: f64) {
    let p = problem();
    let params = params(lr, momentum);
    let setup = setup_for(&p, &params).groups(layers()).unwrap();
    assert_eq!(setup.steps(), 20);
    let h = rich_hyper(setup.steps(), base, mu);
    let (gh, gi) = grad!(after_training)(&h, &p.init, &setup, &p.vx, &p.vy);

    // The same dynamics through the driver.
    let dynamics = setup.dynamics::<Net>();
    let validation = |s: &Vec<Net>, h: &TrainHyper<Array1<f64>>| {
        let (v, g) = hype_macros::value_and_grad!(plain_loss)(&s[0], &p.vx, &p.vy);
        let mut sb: Vec<Net> = s.iter().map(Tangent::zero_like).collect();
        sb[0] = g;
        (v, sb, h.zero_like())
    };
    let s0 = setup.initial_state(&h, &p.init);
    let r = reverse(&dynamics, &validation, &s0, &h, setup.steps());
    let mut expected = r.grad.clone();
    let s0b = r.initial_state_grad.unwrap();
    expected.init_scale += s0b[0].inner(&p.init);
    assert!(max_rel(&gh.flatten(), &expected.flatten()) < 1e-12);
    let mut expected_init = s0b[0].clone();
    expected_init.scale(h.init_scale);
    assert!(max_rel(&gi.flatten(), &expected_init.flatten()) < 1e-12);

    // The checkpointed rule performs the same operations.
    for scheme in [
        Checkpointing::Sqrt,
        Checkpointing::Binomial { snapshots: 3 },
    ] {
        let c = setup_for(&p, &params)
            .groups(layers())
            .unwrap()
            .reverse_mode(ReverseMode::Checkpointed(scheme));
        let (ch, ci) = grad!(after_training)(&h, &p.init, &c, &p.vx, &p.vy);
        assert_eq!((ch, ci), (gh.clone(), gi.clone()));
    }

    check_against_differences(&p, &setup, &h);

    // Forward mode in random directions of (h, init).
    let mut rng = Lcg(17);
    for _ in 0..3 {
        let dh = h.rebuild(&h.flatten().mapv(|_| rng.next())).unwrap();
        let di = p
            .init
            .rebuild(&p.init.flatten().mapv(|_| rng.next()))
            .unwrap();
        let (_, d) = jvp!(after_training)(&h, &p.init, &setup, &p.vx, &p.vy, &dh, &di);
        let by_reverse = gh.inner(&dh) + gi.inner(&di);
        assert!(
            (d - by_reverse).abs() <= 1e-11 * by_reverse.abs().max(gh.inner(&gh).sqrt()),
            "jvp! {d} vs <grad!, direction> {by_reverse}"
        );
    }
}

#[test]
fn gradient_descent_through_train() {
    check_all(LearningRate::Constant(0.2), Momentum::NoMomentum, 0.2, 0.0);
}

#[test]
fn heavy_ball_through_train() {
    check_all(
        LearningRate::Constant(0.1),
        Momentum::Momentum(0.7),
        0.1,
        0.7,
    );
}

#[test]
fn nesterov_through_train() {
    check_all(
        LearningRate::Constant(0.1),
        Momentum::Nesterov(0.7),
        0.1,
        0.7,
    );
}

#[test]
fn adam_through_train() {
    check_all(
        LearningRate::Adam(AdamParams {
            lr: 0.02,
            ..AdamParams::default()
        }),
        Momentum::NoMomentum,
        0.02,
        0.0,
    );
}

/// A loss over the flat parameters with all examples in every step, for the
/// optimizers of `hyper::dynamics`, which know nothing of minibatches.
struct FlatLoss {
    inner: Loss,
    init: Net,
}

impl InnerLoss for FlatLoss {
    type Hyper = Array1<f64>;
    fn gradient(&self, w: &Array1<f64>, lam: &Array1<f64>) -> Array1<f64> {
        let rows: Vec<usize> = (0..EXAMPLES).collect();
        let m = self.init.rebuild(w).unwrap();
        self.inner.gradient(&m, lam, &rows).flatten()
    }
    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        lam: &Array1<f64>,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>) {
        let rows: Vec<usize> = (0..EXAMPLES).collect();
        let m = self.init.rebuild(w).unwrap();
        let (hv, cl) = self
            .inner
            .gradient_vjp(&m, lam, &rows, &self.init.rebuild(v).unwrap());
        (hv.flatten(), cl)
    }
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &Array1<f64>,
        dw: &Array1<f64>,
        dlam: &Array1<f64>,
    ) -> Array1<f64> {
        let rows: Vec<usize> = (0..EXAMPLES).collect();
        let m = self.init.rebuild(w).unwrap();
        self.inner
            .gradient_jvp(&m, lam, &rows, &self.init.rebuild(dw).unwrap(), dlam)
            .flatten()
    }
}

/// Full-batch training: `grad!` through `train` against the independently derived
/// optimizers of `hyper::dynamics` (per-step schedules) and `hyper::layerwise`
/// (per-step, per-layer rates), driven by `hyper::reverse`.
#[test]
fn train_agrees_with_the_dynamics_optimizers() {
    let p = problem();
    let steps = 20;
    let flat_loss = || FlatLoss {
        inner: Loss {
            x: p.train.x.clone(),
            y: p.train.y.clone(),
        },
        init: p.init.clone(),
    };
    let validation = |w: &Array1<f64>| {
        let (v, g) =
            hype_macros::value_and_grad!(plain_loss)(&p.init.rebuild(w).unwrap(), &p.vx, &p.vy);
        (v, g.flatten())
    };
    let cases = [
        (
            LearningRate::Schedule(vec![0.2; steps]),
            Momentum::NoMomentum,
        ),
        (
            LearningRate::Schedule(vec![0.1; steps]),
            Momentum::Momentum(0.7),
        ),
        (
            LearningRate::Schedule(vec![0.1; steps]),
            Momentum::Nesterov(0.7),
        ),
        (
            LearningRate::Adam(AdamParams {
                lr: 0.02,
                ..AdamParams::default()
            }),
            Momentum::NoMomentum,
        ),
    ];
    for (lr, momentum) in cases {
        let params = TrainParams::default()
            .batch(Batch::Full)
            .progress(false)
            .optim(
                hype::optim::Params::default()
                    .epochs(steps)
                    .learning_rate(lr.clone())
                    .momentum(momentum)
                    .return_best(false),
            );
        let setup = setup_for(&p, &params);
        let mut h = setup.hyper(&params, Array1::ones(EXAMPLES)).unwrap();
        // A jagged schedule, so that every step's rate matters differently.
        let mut rng = Lcg(23);
        let lr0 = h.lr[[0, 0]];
        h.lr = Array2::from_shape_fn((steps, 1), |_| lr0 * (1.0 + 0.3 * rng.next()));
        let (gh, _) = grad!(after_training)(&h, &p.init, &setup, &p.vx, &p.vy);
        let sh = StepHyper::schedule(
            h.lr.column(0).to_owned(),
            h.momentum.clone(),
            h.loss.clone(),
        );
        let w0 = p.init.flatten();
        let zero = w0.zero_like();
        let (grad_lr, grad_mu, grad_loss) = match momentum {
            Momentum::NoMomentum if matches!(lr, LearningRate::Adam(_)) => {
                let v = |s: &(Array1<f64>, Array1<f64>, Array1<f64>),
                         h: &StepHyper<Array1<f64>>| {
                    let (e, g) = validation(&s.0);
                    (e, (g, zero.clone(), zero.clone()), h.zero_like())
                };
                let r = reverse(
                    &Adam::new(flat_loss()),
                    &v,
                    &(w0.clone(), zero.clone(), zero.clone()),
                    &sh,
                    steps,
                );
                (r.grad.lr, None, r.grad.loss)
            }
            Momentum::NoMomentum => {
                let v = |s: &Array1<f64>, h: &StepHyper<Array1<f64>>| {
                    let (e, g) = validation(s);
                    (e, g, h.zero_like())
                };
                let r = reverse(&GradientDescent(flat_loss()), &v, &w0, &sh, steps);
                (r.grad.lr, None, r.grad.loss)
            }
            Momentum::Momentum(_) | Momentum::Nesterov(_) => {
                let v = |s: &(Array1<f64>, Array1<f64>), h: &StepHyper<Array1<f64>>| {
                    let (e, g) = validation(&s.0);
                    (e, (g, zero.clone()), h.zero_like())
                };
                let s0 = (w0.clone(), zero.clone());
                let r = if matches!(momentum, Momentum::Momentum(_)) {
                    reverse(&HeavyBall(flat_loss()), &v, &s0, &sh, steps)
                } else {
                    reverse(&Nesterov(flat_loss()), &v, &s0, &sh, steps)
                };
                (r.grad.lr, Some(r.grad.momentum), r.grad.loss)
            }
        };
        let what = format!("{lr:?} {momentum:?}");
        assert!(
            max_rel(&gh.lr.column(0).to_owned(), &grad_lr) < 1e-10,
            "{what}: rates {} vs {}",
            gh.lr.column(0),
            grad_lr
        );
        if let Some(m) = grad_mu {
            assert!(max_rel(&gh.momentum, &m) < 1e-10, "{what}: momentum");
        }
        assert!(
            max_rel(&gh.loss, &grad_loss) < 1e-10,
            "{what}: example weights"
        );
    }

    // Per-step, per-layer rates with heavy ball: `hyper::layerwise`.
    let params = TrainParams::default()
        .batch(Batch::Full)
        .progress(false)
        .optim(
            hype::optim::Params::default()
                .epochs(steps)
                .learning_rate(LearningRate::Constant(0.1))
                .momentum(Momentum::Momentum(0.6))
                .return_best(false),
        );
    let setup = setup_for(&p, &params).groups(layers()).unwrap();
    let mut rng = Lcg(29);
    let h = TrainHyper {
        lr: Array2::from_shape_fn((steps, 2), |_| 0.1 * (1.0 + 0.3 * rng.next())),
        ..TrainHyper::constant(0.0, 0.6, Array1::ones(EXAMPLES))
    };
    let (gh, _) = grad!(after_training)(&h, &p.init, &setup, &p.vx, &p.vy);
    let d = LayerwiseHeavyBall::new(flat_loss(), layers()).unwrap();
    let lh = LayerwiseHyper {
        lr: h.lr.clone(),
        momentum: h.momentum.clone(),
        loss: h.loss.clone(),
    };
    let w0 = p.init.flatten();
    let v = |s: &(Array1<f64>, Array1<f64>), h: &LayerwiseHyper<Array1<f64>>| {
        let (e, g) = validation(&s.0);
        (e, (g, w0.zero_like()), h.zero_like())
    };
    let r = reverse(&d, &v, &(w0.clone(), w0.zero_like()), &lh, steps);
    let flat = |a: &Array2<f64>| a.iter().copied().collect::<Array1<f64>>();
    assert!(max_rel(&flat(&gh.lr), &flat(&r.grad.lr)) < 1e-10);
    assert!(max_rel(&gh.momentum, &r.grad.momentum) < 1e-10);
}

/// The primal of `hyper::train` is `optim::train` with the same settings.
#[test]
fn train_is_optim_train() {
    let p = problem();
    let loss = |m: &Net, x: ArrayView2<f64>, y: ArrayView2<f64>| {
        let ones = Array1::ones(x.nrows());
        let (v, (g, _)) =
            hype_macros::value_and_grad!(batch_loss)(m, &ones, &x.to_owned(), &y.to_owned());
        (v, g)
    };
    let cases = [
        (
            LearningRate::Schedule((0..20).map(|t| 0.3 / (1.0 + t as f64)).collect()),
            Momentum::NoMomentum,
        ),
        (LearningRate::Constant(0.1), Momentum::Momentum(0.8)),
        (
            LearningRate::Decay { a0: 0.2, k: 0.1 },
            Momentum::Nesterov(0.9),
        ),
        (
            LearningRate::Adam(AdamParams {
                lr: 0.01,
                ..AdamParams::default()
            }),
            Momentum::NoMomentum,
        ),
    ];
    for (lr, momentum) in cases {
        let params = params(lr.clone(), momentum);
        let mut m = p.init.clone();
        let r = hype::optim::train(&mut m, &p.train, &params, loss).unwrap();
        assert_eq!(r.iterations, 20);
        let setup = setup_for(&p, &params);
        let h = setup.hyper(&params, Array1::ones(EXAMPLES)).unwrap();
        let trained = hyper::try_train(&h, &p.init, &setup).unwrap();
        assert_eq!(trained, m, "{lr:?} {momentum:?}");
    }
}

/// Bad shapes and settings are errors naming both sizes.
#[test]
fn bad_input_is_an_error() {
    let p = problem();
    let params = params(LearningRate::Constant(0.1), Momentum::Nesterov(0.5));
    let setup = setup_for(&p, &params);
    let mut h = setup.hyper(&params, Array1::ones(EXAMPLES)).unwrap();
    h.lr = Array2::ones((7, 1));
    let e = hyper::try_train(&h, &p.init, &setup)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("learning-rate rows") && e.contains('7') && e.contains("20"),
        "{e}"
    );
    h.lr = Array2::ones((1, 3));
    let e = hyper::try_train(&h, &p.init, &setup)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("columns") && e.contains('3') && e.contains('1'),
        "{e}"
    );
    let e = setup_for(&p, &params)
        .groups(vec![0..12, 12..30])
        .map(|s| s.check(&TrainHyper::constant(0.1, 0.5, ()), &p.init))
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.contains("30") && e.contains("20"), "{e}");
    let rms = params
        .clone()
        .learning_rate(LearningRate::RmsProp { a0: 0.1, k: 0.9 });
    let e = TrainSetup::new(0u8, EXAMPLES, &rms)
        .unwrap_err()
        .to_string();
    assert!(e.contains("RmsProp"), "{e}");
}

/// Forward-HG (`hyper::forward`, every direction at once) on the dynamics of `train`
/// gives what `grad!` through `train` gives (the initialization scale enters through
/// the initial state, which Forward-HG holds fixed).
#[test]
fn forward_hg_on_the_training_dynamics() {
    let p = problem();
    let params = params(LearningRate::Constant(0.1), Momentum::Nesterov(0.7));
    let setup = setup_for(&p, &params).groups(layers()).unwrap();
    let h = rich_hyper(setup.steps(), 0.1, 0.7);
    let (gh, _) = grad!(after_training)(&h, &p.init, &setup, &p.vx, &p.vy);
    let validation = |s: &Vec<Net>, h: &TrainHyper<Array1<f64>>| {
        let (v, g) = hype_macros::value_and_grad!(plain_loss)(&s[0], &p.vx, &p.vy);
        (v, vec![g, s[1].zero_like()], h.zero_like())
    };
    let s0 = setup.initial_state(&h, &p.init);
    let f = hyper::forward(
        &setup.dynamics::<Net>(),
        &validation,
        &s0,
        &h,
        setup.steps(),
    );
    let mut expected = gh.clone();
    expected.init_scale = 0.0;
    assert!(max_rel(&f.grad.flatten(), &expected.flatten()) < 1e-11);
    assert_eq!(f.grad.init_scale, 0.0);
}

/// Training inputs as the loss's hyperparameters: the derivative of the validation
/// loss with respect to every training pixel, through the whole run.
#[differentiable(order = 2)]
fn data_loss(m: &Net, x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let h = ops::tanh(&x.dot(&m.w1));
    let r = &h.dot(&m.w2) - y;
    (&r * &r).sum() / (y.nrows() as f64)
}

struct DataLoss {
    y: Array2<f64>,
}

impl TrainLoss<Net> for DataLoss {
    type Hyper = Array2<f64>;
    fn gradient(&self, m: &Net, x: &Array2<f64>, rows: &[usize]) -> Net {
        let (xb, yb) = (x.select(Axis(0), rows), self.y.select(Axis(0), rows));
        grad!(data_loss)(m, &xb, &yb).0
    }
    fn gradient_vjp(
        &self,
        m: &Net,
        x: &Array2<f64>,
        rows: &[usize],
        v: &Net,
    ) -> (Net, Array2<f64>) {
        let (xb, yb) = (x.select(Axis(0), rows), self.y.select(Axis(0), rows));
        let (hv, hx) = hvp!(data_loss)(m, &xb, &yb, v, &xb.zero_like());
        let mut full = x.zero_like();
        for (k, &i) in rows.iter().enumerate() {
            let mut row = full.row_mut(i);
            row += &hx.row(k);
        }
        (hv, full)
    }
    fn gradient_jvp(
        &self,
        m: &Net,
        x: &Array2<f64>,
        rows: &[usize],
        dm: &Net,
        dx: &Array2<f64>,
    ) -> Net {
        let (xb, yb) = (x.select(Axis(0), rows), self.y.select(Axis(0), rows));
        hvp!(data_loss)(m, &xb, &yb, dm, &dx.select(Axis(0), rows)).0
    }
}

#[differentiable]
fn after_training_on(
    x: &Array2<f64>,
    #[constant] h: &TrainHyper<()>,
    #[constant] init: &Net,
    #[constant] setup: &TrainSetup<DataLoss>,
    #[constant] vx: &Array2<f64>,
    #[constant] vy: &Array2<f64>,
) -> f64 {
    let hx = TrainHyper {
        lr: h.lr.clone(),
        momentum: h.momentum.clone(),
        l2: h.l2,
        init_scale: h.init_scale,
        loss: x.clone(),
    };
    let m = hyper::train(&hx, init, setup);
    plain_loss(&m, vx, vy)
}

#[test]
fn derivative_with_respect_to_the_training_data() {
    let p = problem();
    let params = params(LearningRate::Constant(0.1), Momentum::Momentum(0.5));
    let setup = TrainSetup::new(
        DataLoss {
            y: p.train.y.clone(),
        },
        EXAMPLES,
        &params,
    )
    .unwrap();
    let h = setup.hyper(&params, ()).unwrap();
    let x = p.train.x.clone();
    let g = grad!(after_training_on)(&x, &h, &p.init, &setup, &p.vx, &p.vy);
    let scale = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, j) in [(0, 0), (3, 1), (7, 2), (11, 0)] {
        let eps = 1e-5;
        let at = |d: f64| {
            let mut xs = x.clone();
            xs[[i, j]] += d;
            after_training_on(&xs, &h, &p.init, &setup, &p.vx, &p.vy)
        };
        let fd = (at(eps) - at(-eps)) / (2.0 * eps);
        assert!(
            (g[[i, j]] - fd).abs() <= 1e-6 * scale,
            "pixel ({i}, {j}): grad! {} vs central difference {fd}",
            g[[i, j]]
        );
    }
    let dx = x.mapv(|v| (3.0 * v).sin());
    let (_, d) = jvp!(after_training_on)(&x, &h, &p.init, &setup, &p.vx, &p.vy, &dx);
    assert!((d - (&g * &dx).sum()).abs() <= 1e-11 * scale * dx.len() as f64);
}
