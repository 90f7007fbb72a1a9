//! The last f64-only pieces in f32: `optim::minimize` with an `f32` objective value,
//! `hyper::LayerwiseHeavyBall`, `hyper::implicit`, the Hessian-free optimizer's
//! `FeedForwardNet`, and reversible learning. Each `f32` result is compared with the
//! `f64` one within f32 precision, and each `f64` derivative with central differences.

mod common;
use common::*;
use hype::hyper::{
    forward, implicit, reverse, unrolled_loss, GenericInnerLoss, ImplicitParams,
    LayerwiseHeavyBall, LayerwiseHyper,
};
use hype::optim::{minimize, minimize_objective, Params, Problem, StopReason};
use hype::prelude::*;
use hype::{Float, Tangent};

/// `max_i |a_i - b_i| <= tol · max_i |b_i|`: `f32` results (`a`, widened) against `f64`
/// ones (`b`); NaN in `a` fails.
#[track_caller]
fn close_rel(what: &str, a: &Array1<f64>, b: &Array1<f64>, tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{what}: all zero");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let diff = (x - y).abs();
        assert!(
            diff <= tol * scale,
            "{what}[{i}]: {x} vs {y} (difference {diff:e}, scale {scale:e})"
        );
    }
}

fn wide<F: Float>(a: &Array1<F>) -> Array1<f64> {
    a.mapv(F::into_f64)
}

// ---------------------------------------------------------------------------------
// `minimize` with an f32 objective value.

/// A smooth bowl with its minimum 0 at `c` (a minimum value of 0 keeps f32 values
/// resolving the decrease to the end).
#[differentiable]
fn bowl<F: Float>(x: &Array1<F>, #[constant] c: &Array1<F>) -> F {
    let d = x - c;
    let d2 = &d * &d;
    (&d2 + &(&d2 * &d2 * F::of_f64(0.25))).sum()
}

#[test]
fn minimize_with_an_f32_value() {
    let c64 = array![0.5, -1.25, 2.0, 0.125];
    let c32 = c64.mapv(|v| v as f32);
    let params = Params::lbfgs();
    let r32 = minimize(
        |x: &Array1<f32>| value_and_grad!(bowl)(x, &c32),
        Array1::<f32>::zeros(4),
        &params,
    );
    // The value, the history and the point are f32.
    let value: f32 = r32.value;
    let history: &Vec<f32> = &r32.history;
    assert_eq!(r32.reason, StopReason::Converged, "{:?}", r32.reason);
    assert_eq!(value, bowl(&r32.x, &c32));
    assert_eq!(history.len(), r32.iterations + 1);
    assert_eq!(*history.last().unwrap(), value);
    assert_eq!(history[0], bowl(&Array1::zeros(4), &c32));

    // The same f32 function with its value widened by the caller: the same run, bit for
    // bit (minimize's arithmetic is f64 on the widened value either way).
    let rw = minimize(
        |x: &Array1<f32>| {
            let (l, g) = value_and_grad!(bowl)(x, &c32);
            (f64::from(l), g)
        },
        Array1::<f32>::zeros(4),
        &params,
    );
    assert_eq!(rw.x, r32.x);
    assert_eq!(rw.iterations, r32.iterations);
    assert_eq!(rw.evaluations, r32.evaluations);
    let widened: Vec<f64> = r32.history.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(rw.history, widened);

    // Against f64: the same minimizer within f32 precision, the first iterates' values
    // (the same path until rounding matters) within a few f32 ulps.
    let r64 = minimize(
        |x: &Array1<f64>| value_and_grad!(bowl)(x, &c64),
        Array1::<f64>::zeros(4),
        &params,
    );
    assert_eq!(r64.reason, StopReason::Converged);
    close_rel("minimizer", &wide(&r32.x), &r64.x, 1e-6); // measured 3.4e-8
    assert!(value < 1e-10 && r64.value < 1e-10, "{value} {}", r64.value);
    for k in 0..3 {
        let (a, b) = (f64::from(r32.history[k]), r64.history[k]);
        assert!((a - b).abs() <= 1e-6 * b, "history[{k}]: {a} vs {b}");
    }
}

#[test]
fn minimize_objective_with_an_f32_validation() {
    let c32 = array![0.5f32, -1.25, 2.0, 0.125];
    let shifted = &c32 + 0.25f32;
    let problem = Problem::new(|x: &Array1<f32>| value_and_grad!(bowl)(x, &c32))
        .with_validation(|x| bowl(x, &shifted));
    let params = Params::gradient_descent(0.05)
        .epochs(40)
        .validation_interval(5);
    let r = minimize_objective(&problem, Array1::<f32>::zeros(4), &params);
    assert!(r.validation_history.len() >= 8);
    for &(k, v) in &r.validation_history {
        let v: f32 = v;
        assert!(v.is_finite() && v > 0.0, "validation at {k}: {v}");
    }
    // The validation value is the f32 function's, at the returned point when it is the
    // last check.
    let &(k, v) = r.validation_history.last().unwrap();
    assert_eq!(k, r.iterations);
    assert_eq!(v, bowl(&r.x, &shifted));
}

// ---------------------------------------------------------------------------------
// An inner loss in both float types: mean logistic loss + ½ λ |w|².

const FEATURES: usize = 4;
const EXAMPLES: usize = 24;

/// Deterministic numbers in `[-1, 1)`, rounded to f32 so both float types get the
/// same data.
fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        f64::from((((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0) as f32)
    }
}

struct Logistic<F> {
    x: Array2<F>,
    y: Array1<F>,
}

fn sigmoid<F: Float>(z: F) -> F {
    F::one() / (F::one() + (-z).exp())
}

impl<F: Float> Logistic<F> {
    /// A noisy linear rule in 4 features (not separable).
    fn new(seed: u64) -> Self {
        let mut next = uniform(seed);
        let x = Array2::from_shape_fn((EXAMPLES, FEATURES), |_| next());
        let truth = [1.5, -2.0, 0.5, 1.0];
        let y = Array1::from_shape_fn(EXAMPLES, |i| {
            let z: f64 = (0..FEATURES).map(|j| x[[i, j]] * truth[j]).sum();
            if z + next() > 0.0 {
                1.0
            } else {
                0.0
            }
        });
        Logistic {
            x: x.mapv(F::of_f64),
            y: y.mapv(F::of_f64),
        }
    }

    fn n(&self) -> F {
        F::of_f64(EXAMPLES as f64)
    }

    fn value_and_grad(&self, w: &Array1<F>) -> (F, Array1<F>) {
        let z = self.x.dot(w);
        let value = z
            .iter()
            .zip(&self.y)
            .map(|(&zi, &yi)| zi.max(F::zero()) + (-zi.abs()).exp().ln_1p() - yi * zi)
            .fold(F::zero(), |a, b| a + b)
            / self.n();
        let r = z.mapv(sigmoid) - &self.y;
        (value, self.x.t().dot(&r) / self.n())
    }

    fn hvp(&self, w: &Array1<F>, v: &Array1<F>) -> Array1<F> {
        let c = self.x.dot(w).mapv(|z| sigmoid(z) * (F::one() - sigmoid(z)));
        self.x.t().dot(&(c * self.x.dot(v))) / self.n()
    }
}

impl<F: Float> GenericInnerLoss for Logistic<F> {
    type Float = F;
    type Hyper = F;

    fn gradient(&self, w: &Array1<F>, lam: &F) -> Array1<F> {
        self.value_and_grad(w).1 + &(w * *lam)
    }

    fn gradient_vjp(&self, w: &Array1<F>, lam: &F, v: &Array1<F>) -> (Array1<F>, F) {
        (self.hvp(w, v) + &(v * *lam), w.dot(v))
    }

    fn gradient_jvp(&self, w: &Array1<F>, lam: &F, dw: &Array1<F>, dlam: &F) -> Array1<F> {
        self.hvp(w, dw) + &(dw * *lam) + &(w * *dlam)
    }
}

// ---------------------------------------------------------------------------------
// LayerwiseHeavyBall.

const LAYERWISE_STEPS: usize = 15;

/// The hyperparameters in `F`: a rate per step and group, one momentum, the L2 weight
/// (all f32 numbers, so both runs start from the same values).
fn layerwise_hyper<F: Float>() -> LayerwiseHyper<F, F> {
    LayerwiseHyper {
        lr: Array2::from_shape_fn((LAYERWISE_STEPS, 2), |(t, k)| {
            F::of_f64(f64::from(0.4 + 0.03 * t as f32 - 0.1 * k as f32))
        }),
        momentum: array![F::of_f64(f64::from(0.5f32))],
        loss: F::of_f64(f64::from(0.05f32)),
    }
}

type LayerwiseState<F> = (Array1<F>, Array1<F>);

/// What a validation function returns: `(E, ∂E/∂s, ∂E/∂λ)`.
type Evaluated<S, H> = (f64, S, H);

/// Validation loss of the final parameters (a second sample), as f64.
fn layerwise_validation<F: Float>(
    s: &LayerwiseState<F>,
    h: &LayerwiseHyper<F, F>,
) -> Evaluated<LayerwiseState<F>, LayerwiseHyper<F, F>> {
    let (e, g) = Logistic::<F>::new(7).value_and_grad(&s.0);
    (e.into_f64(), (g, s.1.zero_like()), h.zero_like())
}

fn layerwise_run<F: Float>() -> (Array1<f64>, Array1<f64>)
where
    for<'r> &'r F: hype::rt::Val<V = F>,
{
    let d = LayerwiseHeavyBall::new(Logistic::<F>::new(3), vec![0..1, 1..FEATURES]).unwrap();
    let h = layerwise_hyper::<F>();
    d.check(&h, LAYERWISE_STEPS).unwrap();
    let v = layerwise_validation::<F>;
    let s0 = (Array1::zeros(FEATURES), Array1::zeros(FEATURES));
    let r = reverse(&d, &v, &s0, &h, LAYERWISE_STEPS);
    let f = forward(&d, &v, &s0, &h, LAYERWISE_STEPS);
    assert_eq!(r.value, f.value);
    (r.grad.flatten(), f.grad.flatten())
}

#[test]
fn layerwise_heavy_ball_in_f32() {
    let (r64, f64_) = layerwise_run::<f64>();
    let (r32, f32_) = layerwise_run::<f32>();
    assert_eq!(r64.len(), 2 * LAYERWISE_STEPS + 2);
    // f64: reverse = forward, and both = central differences of the unrolled loss.
    assert_all_close(&r64, &f64_, 1e-12);
    let d = LayerwiseHeavyBall::new(Logistic::<f64>::new(3), vec![0..1, 1..FEATURES]).unwrap();
    let h = layerwise_hyper::<f64>();
    let v = layerwise_validation::<f64>;
    let s0 = (Array1::zeros(FEATURES), Array1::zeros(FEATURES));
    let fd = fd_grad(
        |z| unrolled_loss(&d, &v, &s0, &h.rebuild(z).unwrap(), LAYERWISE_STEPS),
        &h.flatten(),
    );
    assert_all_close(&r64, &fd, 1e-7);
    // f32 against f64: 15 steps of f32 rounding; measured worst 1.3e-7 (forward),
    // 1.1e-7 (f32 reverse against f32 forward), so about 15x below these.
    close_rel("layerwise reverse", &r32, &r64, 2e-6);
    close_rel("layerwise forward", &f32_, &r64, 2e-6);
    close_rel("layerwise f32 reverse vs forward", &r32, &f32_, 2e-6);
}

// ---------------------------------------------------------------------------------
// Implicit differentiation.

/// Trains to the stationary point by gradient descent (rate 2; the loss is
/// 0.05-strongly convex with curvature below 0.5, so the contraction is at most 0.9).
fn stationary<F: Float>(loss: &Logistic<F>, lam: F) -> Array1<F> {
    let mut w = Array1::zeros(FEATURES);
    for _ in 0..1500 {
        let g = GenericInnerLoss::gradient(loss, &w, &lam);
        w = &w - &(g * F::of_f64(2.0));
    }
    w
}

/// `E(w) = ` validation loss (independent of λ), as f64.
fn implicit_validation<F: Float>() -> impl Fn(&Array1<F>, &F) -> (f64, Array1<F>, F) {
    let val = Logistic::<F>::new(7);
    move |w, _| {
        let (e, g) = val.value_and_grad(w);
        (e.into_f64(), g, F::zero())
    }
}

#[test]
fn implicit_hypergradient_in_f32() {
    let lam = f64::from(0.05f32);
    let loss64 = Logistic::<f64>::new(3);
    let w64 = stationary(&loss64, lam);
    let g64 = GenericInnerLoss::gradient(&loss64, &w64, &lam);
    assert!(g64.dot(&g64).sqrt() < 1e-14);
    let params = ImplicitParams::default();
    let h64 = implicit(&loss64, &implicit_validation(), &w64, &lam, &params).unwrap();

    // f64 against central differences of λ ↦ E(w*(λ)).
    let e = |l: f64| implicit_validation()(&stationary(&loss64, l), &l).0;
    let fd = fd_diff(e, lam);
    assert_close(h64.grad, fd, 1e-7);

    // f32: its own stationary point, f32 Hessian products; CG reaches the default
    // tolerance on its (f64) updated residual.
    let loss32 = Logistic::<f32>::new(3);
    let w32 = stationary(&loss32, lam as f32);
    let params32 = ImplicitParams {
        stationarity: Some(1e-6),
        ..ImplicitParams::default()
    };
    let h32 = implicit(
        &loss32,
        &implicit_validation(),
        &w32,
        &(lam as f32),
        &params32,
    )
    .unwrap();
    let g32: f32 = h32.grad;
    assert!(h32.stats.cg_residual <= 1e-12);
    assert!(
        // Measured 3.6e-7 relative (f32 stationary point and Hessian products).
        (f64::from(g32) - h64.grad).abs() <= 4e-6 * h64.grad.abs(),
        "implicit f32 {g32} vs f64 {}",
        h64.grad
    );
    assert!((h32.value - h64.value).abs() <= 1e-6 * h64.value);
}

// ---------------------------------------------------------------------------------
// Hessian-free: `FeedForwardNet<f32>`.

use hype::nn::{Activation, FeedForward, Init, Layer, Loss};
use hype::optim::hessian_free::{
    fit, gauss_newton_product, CrossEntropy, Data, FeedForwardNet, FitParams, HessianFree,
    OutputLoss, SquaredError,
};

/// 3 → 5 (tanh) → 2; the f32 weights are the f64 ones rounded.
fn hf_net<F: Float>() -> FeedForward<F> {
    FeedForward::from_layers_as(vec![
        Layer::linear_as(3, 5, Init::Glorot, 21),
        Activation::Tanh.into(),
        Layer::linear_as(5, 2, Init::Glorot, 22),
    ])
    .unwrap()
}

/// 16 examples (f32 numbers) and targets of a smooth rule, one target undefined.
fn hf_data() -> (Array2<f64>, Array2<f64>) {
    let mut next = uniform(5);
    let x = Array2::from_shape_fn((16, 3), |_| next());
    let mut t = Array2::from_shape_fn((16, 2), |(i, j)| {
        let r = x.row(i);
        f64::from(((r[0] - 0.5 * r[1]) * (j as f64 + 1.0) + r[2] * r[2]).sin() as f32)
    });
    t[[3, 1]] = f64::NAN;
    (x, t)
}

/// The same network in f64 and f32, with identical weights.
fn hf_pair() -> (FeedForward, FeedForward<f32>) {
    let p32: FeedForward<f32> = hf_net();
    let p64: FeedForward = hf_net::<f64>().rebuild(&p32.flatten()).unwrap();
    (p64, p32)
}

#[test]
fn gauss_newton_products_of_an_f32_feedforward_net() {
    let (p64, p32) = hf_pair();
    let (x, t) = hf_data();
    // The f32 network reads f32 batches (the same numbers: the data are f32 numbers).
    let (x32, t32) = (x.mapv(|v| v as f32), t.mapv(|v| v as f32));
    let n = p64.flat_len();
    let dir = Array1::from_shape_fn(n, |i| f64::from(((i as f64) * 0.37 + 0.2).cos() as f32));
    let (v64, v32) = (p64.rebuild(&dir).unwrap(), p32.rebuild(&dir).unwrap());
    let net32 = FeedForwardNet::<f32>::new();

    // f64 against central differences: for the squared error H_L = mask / rows, so
    // (G v)_i = Σ mask (J e_i)(J v) / rows with J·w = d/dε net(p + ε w).
    let gv64 = gauss_newton_product(&FeedForwardNet, &SquaredError, &p64, &x, &t, &v64);
    let h = 1e-6;
    let jvp_fd = |w: &Array1<f64>| {
        let at = |s: f64| {
            p64.rebuild(&(&p64.flatten() + &(w * s)))
                .unwrap()
                .forward(&x)
        };
        (at(h) - at(-h)) / (2.0 * h)
    };
    let mask = t.mapv(|v| if v.is_nan() { 0.0 } else { 1.0 });
    let jv = jvp_fd(&dir) * &mask;
    let fd = Array1::from_shape_fn(n, |i| {
        let mut e = Array1::zeros(n);
        e[i] = 1.0;
        (&jvp_fd(&e) * &jv).sum() / 16.0
    });
    assert_all_close(&gv64.flatten(), &fd, 1e-8);

    // f32 against f64, for each output loss that takes an f32 output.
    let check = |what: &str, gv32: FeedForward<f32>, gv64: FeedForward| {
        close_rel(what, &gv32.flatten(), &gv64.flatten(), 2e-6);
    };
    let gv32 = gauss_newton_product(&net32, &SquaredError, &p32, &x32, &t32, &v32);
    check("G v, squared error", gv32, gv64);
    let tc = t.mapv(|v| if v.is_nan() { 0.0 } else { 0.5 });
    for loss in [Loss::Quadratic, Loss::CrossEntropyOnLinear] {
        let gv64 = gauss_newton_product(&FeedForwardNet, &loss, &p64, &x, &tc, &v64);
        let tc32 = tc.mapv(|v| v as f32);
        let gv32 = gauss_newton_product(&net32, &loss, &p32, &x32, &tc32, &v32);
        check(&format!("G v, {loss:?}"), gv32, gv64);
    }
}

#[test]
fn output_losses_of_f32_outputs() {
    // Positive outputs (probabilities for the cross-entropy), f32 numbers.
    let y64 = Array2::from_shape_fn((4, 3), |(i, j)| {
        f64::from((0.2 + 0.15 * ((i * 3 + j) as f64).sin().abs()) as f32)
    });
    let mut t = Array2::from_shape_fn((4, 3), |(i, j)| if (i + j) % 3 == 0 { 1.0 } else { 0.25 });
    t[[2, 2]] = f64::NAN;
    let u64_ = Array2::from_shape_fn((4, 3), |(i, j)| f64::from(((i + 2 * j) as f32).cos()));
    let (y32, u32_) = (y64.mapv(|v| v as f32), u64_.mapv(|v| v as f32));
    let flat = |a: Array2<f64>| Array1::from(a.into_raw_vec_and_offset().0);
    // The f32 output against the same targets in f32 (f32 numbers, and NaN).
    fn both<L: OutputLoss<Array2<f64>> + OutputLoss<Array2<f32>, f32>>(
        loss: &L,
        y: (&Array2<f64>, &Array2<f32>),
        t: &Array2<f64>,
        u: (&Array2<f64>, &Array2<f32>),
    ) -> [(f64, Array2<f64>, Array2<f64>); 2] {
        let t32 = &t.mapv(|v| v as f32);
        let (v64, g64) = loss.value_and_grad(y.0, t);
        let (v32, g32) = loss.value_and_grad(y.1, t32);
        assert_eq!(loss.value(y.1, t32), v32);
        [
            (v64, g64, loss.hvp(y.0, t, u.0)),
            (
                v32,
                g32.mapv(f64::from),
                loss.hvp(y.1, t32, u.1).mapv(f64::from),
            ),
        ]
    }
    let check =
        |what: &str, [(v64, g64, h64), (v32, g32, h32)]: [(f64, Array2<f64>, Array2<f64>); 2]| {
            assert!(
                (v32 - v64).abs() <= 1e-6 * v64.abs(),
                "{what}: {v32} vs {v64}"
            );
            close_rel(
                &format!("{what} gradient"),
                &flat(g32),
                &flat(g64.clone()),
                1e-6,
            );
            close_rel(&format!("{what} H u"), &flat(h32), &flat(h64), 1e-6);
            g64
        };
    let g = check(
        "squared error",
        both(&SquaredError, (&y64, &y32), &t, (&u64_, &u32_)),
    );
    // The f64 gradient against central differences (the NaN target's entry is 0).
    let fd = fd_grad(
        |z| {
            let y = z.clone().into_shape_with_order((4, 3)).unwrap();
            OutputLoss::<Array2<f64>>::value(&SquaredError, &y, &t)
        },
        &flat(y64.clone()),
    );
    assert_all_close(&flat(g), &fd, 1e-8);
    check(
        "cross-entropy",
        both(&CrossEntropy, (&y64, &y32), &t, (&u64_, &u32_)),
    );
    let tc = t.mapv(|v| if v.is_nan() { 0.0 } else { v });
    check(
        "nn::Loss",
        both(
            &Loss::CrossEntropyOnSoftmax,
            (&y64, &y32),
            &tc,
            (&u64_, &u32_),
        ),
    );
}

#[test]
fn hessian_free_trains_an_f32_feedforward_net() {
    let (mut p64, mut p32) = hf_pair();
    let (x, t) = hf_data();
    let (x32, t32) = (x.mapv(|v| v as f32), t.mapv(|v| v as f32));
    let params = FitParams::epochs(4);
    let data = || Data {
        x: &x,
        t: &t,
        test: None,
    };
    let r64 = fit(
        &FeedForwardNet,
        &SquaredError,
        &mut HessianFree::new(),
        &mut p64,
        data(),
        &params,
        None,
    )
    .unwrap();
    let r32 = fit(
        &FeedForwardNet::<f32>::new(),
        &SquaredError,
        &mut HessianFree::new(),
        &mut p32,
        Data {
            x: &x32,
            t: &t32,
            test: None,
        },
        &params,
        None,
    )
    .unwrap();
    assert_eq!(r32.epochs.len(), r64.epochs.len());
    let initial = SquaredError.value(&hf_pair().0.forward(&x), &t);
    let last = r32.epochs.last().unwrap().train_loss;
    assert!(last < 0.2 * initial, "{initial} -> {last}");
    for (e32, e64) in r32.epochs.iter().zip(&r64.epochs) {
        let (a, b) = (e32.train_loss, e64.train_loss);
        // Measured at most 1.5e-6. (CG stops after a few more iterations in f32, where
        // its relative-progress test sees the rounding of the products.)
        assert!(
            (a - b).abs() <= 5e-6 * b,
            "epoch {}: f32 {a} vs f64 {b}",
            e64.epoch
        );
    }
    // Measured 5.9e-6 after 4 epochs (the runs drift apart slowly: 9e-4 after 6).
    close_rel("trained weights", &p32.flatten(), &p64.flatten(), 3e-5);
}

// ---------------------------------------------------------------------------------
// Reversible learning with an f32 loss.

use hype::hyper::{reversible, ReversibleParams, SgdMomentum, StepHyper};

const REVERSIBLE_STEPS: usize = 40;

/// A rate per step, momentum 0.9, L2 weight 0.05 (f32 numbers).
fn reversible_hyper<F: Float>() -> StepHyper<F, F> {
    StepHyper {
        lr: Array1::from_shape_fn(REVERSIBLE_STEPS, |t| {
            F::of_f64(f64::from(0.8 + 0.01 * t as f32))
        }),
        momentum: array![F::of_f64(f64::from(0.9f32))],
        loss: F::of_f64(f64::from(0.05f32)),
    }
}

type Pair<F> = (Array1<F>, Array1<F>);

/// `E = ` validation loss of the final parameters (independent of the velocity and λ).
fn reversible_validation<F: Float>(
    s: &Pair<F>,
    h: &StepHyper<F, F>,
) -> Evaluated<Pair<F>, StepHyper<F, F>> {
    let (e, g) = Logistic::<F>::new(7).value_and_grad(&s.0);
    (e.into_f64(), (g, s.1.zero_like()), h.zero_like())
}

fn reversible_start<F: Float>() -> Pair<F> {
    let w0 = Array1::from_shape_fn(FEATURES, |i| F::of_f64(f64::from(0.25 * i as f32 - 0.3)));
    (w0, Array1::zeros(FEATURES))
}

#[test]
fn reversible_learning_with_an_f32_loss() {
    let params = ReversibleParams::new(REVERSIBLE_STEPS);
    let d64 = SgdMomentum(Logistic::<f64>::new(3));
    let (h64, s64) = (reversible_hyper::<f64>(), reversible_start::<f64>());
    let v64 = reversible_validation::<f64>;
    let r64 = reversible(&d64, &v64, &s64, &h64, &params).unwrap();
    let d32 = SgdMomentum(Logistic::<f32>::new(3));
    let (h32, s32) = (reversible_hyper::<f32>(), reversible_start::<f32>());
    let v32 = reversible_validation::<f32>;
    let r32 = reversible(&d32, &v32, &s32, &h32, &params).unwrap();

    // Exact reversal with f32 gradients: the fixed-point start is recovered integer
    // for integer and the information buffer is empty.
    assert_eq!(r32.recovered_exact, r32.initial_exact);
    assert_eq!(r32.info_bits_after_reversal, 0);
    assert!(r32.hypergradient.stats.info_bits > 0);
    // Both float types start from the same fixed-point state.
    assert_eq!(r32.initial_exact, r64.initial_exact);

    // f64 against central differences of the (floating-point) unrolled loss.
    let g64 = r64.hypergradient.grad.flatten();
    let fd = fd_grad(
        |z| unrolled_loss(&d64, &v64, &s64, &h64.rebuild(z).unwrap(), REVERSIBLE_STEPS),
        &h64.flatten(),
    );
    assert_all_close(&g64, &fd, 1e-7);

    // f32 against f64, and against the f32 Reverse-HG of the stored f32 trajectory.
    let g32 = r32.hypergradient.grad.flatten();
    // Measured: 3.5e-7 against f64, 4.2e-8 against f32 Reverse-HG (whose trajectory
    // is rounded to f32 at every step, where reversible learning's is fixed point).
    close_rel("reversible f32 vs f64", &g32, &g64, 4e-6);
    let full32 = reverse(&d32, &v32, &s32, &h32, REVERSIBLE_STEPS);
    close_rel(
        "reversible vs reverse, f32",
        &g32,
        &full32.grad.flatten(),
        1e-6,
    );
    let ds32 = r32.hypergradient.initial_state_grad.unwrap();
    let ds64 = r64.hypergradient.initial_state_grad.unwrap();
    close_rel("dE/dw0", &wide(&ds32.0), &ds64.0, 4e-6);
    close_rel(
        "final w",
        &wide(&r32.final_state.0),
        &r64.final_state.0,
        4e-6,
    );
    assert!((&r32.final_state.0 - &s32.0).mapv(f32::abs).sum() > 0.1);
    assert!(
        (r32.hypergradient.value - r64.hypergradient.value).abs() <= 1e-5 * r64.hypergradient.value
    );
}
