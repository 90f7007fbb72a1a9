//! The hypergradient drivers in `f32`: one loss written once over `F: Float`
//! (L2-regularized logistic regression, 4 features, 24 training and 24 validation
//! examples), trained for 20 steps by gradient descent, heavy ball, Nesterov, SGD with
//! momentum (Maclaurin's form) and Adam. For each optimizer the `f32` Reverse-HG,
//! Forward-HG and checkpointed hypergradients (learning rate or its per-step
//! schedule, momentum, L2 weight) are compared with the `f64` ones, which are
//! themselves checked against central differences of the `f64` training run; an
//! outer loop with a projection runs on `f32` hyperparameters.

use hype::hyper::{
    checkpointed, forward, optimize, reverse, unrolled_loss, Adam, Checkpointing, Dynamics,
    GenericInnerLoss, GradientDescent, HeavyBall, Hypergradient, InnerLoss, Nesterov,
    OptimizeResult, OuterMethod, OuterParams, Projection, SgdMomentum, StepHyper, Validation,
};
use hype::ndarray::{Array1, Array2};
use hype::optim::AdamParams;
use hype::rt::Val;
use hype::{Float, Tangent};

const FEATURES: usize = 4;
const EXAMPLES: usize = 24;
const STEPS: usize = 20;

/// `f32` against `f64`, as `max_i |g32_i - g64_i| / max_i |g64_i|`. Both runs get the
/// same data and hyperparameters (`f32` numbers), so the deviation is `f32` rounding
/// alone (unit roundoff u = 2^-24 ≈ 6e-8): 20 forward and 20 adjoint steps of
/// matrix–vector products, each adding a few u that the step Jacobians carry along and
/// sums over steps partly cancel. Measured worst over the five optimizers and four
/// drivers: 1.4e-5 ≈ 240 u (SGD with momentum, the L2 weight's component); 1e-4 leaves
/// a factor 7 and is still far below the O(1) relative error of a wrong derivative.
const F32_TOLERANCE: f64 = 1e-4;

/// `f32` Reverse-HG against `f32` Forward-HG (the same derivative accumulated in a
/// different order, both in `f32`), same measure: measured worst 2.3e-6 (SGD with
/// momentum), a factor ~9 below this.
const F32_REVERSE_FORWARD: f64 = 2e-5;

/// Deterministic uniform numbers in `[-1, 1)` (a 64-bit LCG; no dependency).
fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// Features in `[-1, 1)` and labels of a noisy linear rule (not separable, so the
/// unregularized optimum is finite and the problem well conditioned). The features
/// are `f32` numbers, so that both float types train on exactly the same data.
fn data(seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut next = uniform(seed);
    let x = Array2::from_shape_fn((EXAMPLES, FEATURES), |_| f64::from(next() as f32));
    let truth = [1.5, -2.0, 0.5, 1.0];
    let y = Array1::from_shape_fn(EXAMPLES, |i| {
        let z: f64 = (0..FEATURES).map(|j| x[[i, j]] * truth[j]).sum();
        if z + next() > 0.0 {
            1.0
        } else {
            0.0
        }
    });
    (x, y)
}

/// Mean logistic loss of the examples `(x, y)` over weights of float type `F`.
struct Logistic<F> {
    x: Array2<F>,
    y: Array1<F>,
}

fn sigmoid<F: Float>(z: F) -> F {
    F::one() / (F::one() + (-z).exp())
}

impl<F: Float> Logistic<F> {
    fn new(seed: u64) -> Self {
        let (x, y) = data(seed);
        Logistic {
            x: x.mapv(F::of_f64),
            y: y.mapv(F::of_f64),
        }
    }

    fn examples(&self) -> F {
        F::of_f64(self.y.len() as f64)
    }

    /// The mean loss and its gradient.
    fn value_and_grad(&self, w: &Array1<F>) -> (F, Array1<F>) {
        let z = self.x.dot(w);
        let value = z
            .iter()
            .zip(&self.y)
            .map(|(&zi, &yi)| zi.max(F::zero()) + (-zi.abs()).exp().ln_1p() - yi * zi)
            .fold(F::zero(), |a, b| a + b)
            / self.examples();
        let r = z.mapv(sigmoid) - &self.y;
        (value, self.x.t().dot(&r) / self.examples())
    }

    /// The Hessian of the mean loss times `v`.
    fn hvp(&self, w: &Array1<F>, v: &Array1<F>) -> Array1<F> {
        let curvature = self.x.dot(w).mapv(|z| sigmoid(z) * (F::one() - sigmoid(z)));
        self.x.t().dot(&(curvature * self.x.dot(v))) / self.examples()
    }
}

/// The training loss `mean logistic + ½ λ |w|²` with `λ` the hyperparameter, for both
/// float types at once.
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

/// The same `f64` loss through [`InnerLoss`], the trait every existing caller
/// implements.
struct ViaInnerLoss(Logistic<f64>);

impl InnerLoss for ViaInnerLoss {
    type Hyper = f64;

    fn gradient(&self, w: &Array1<f64>, lam: &f64) -> Array1<f64> {
        GenericInnerLoss::gradient(&self.0, w, lam)
    }

    fn gradient_vjp(&self, w: &Array1<f64>, lam: &f64, v: &Array1<f64>) -> (Array1<f64>, f64) {
        GenericInnerLoss::gradient_vjp(&self.0, w, lam, v)
    }

    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &f64,
        dw: &Array1<f64>,
        dlam: &f64,
    ) -> Array1<f64> {
        GenericInnerLoss::gradient_jvp(&self.0, w, lam, dw, dlam)
    }
}

/// The optimizer states: the parameters first, then the optimizer's vectors.
trait State<F: Float>: Tangent {
    fn zeros(n: usize) -> Self;
    fn w(&self) -> &Array1<F>;
    /// A cotangent with `gw` for the parameters and zero for the optimizer's vectors.
    fn with_w(&self, gw: Array1<F>) -> Self;
}

impl<F: Float> State<F> for Array1<F> {
    fn zeros(n: usize) -> Self {
        Array1::zeros(n)
    }
    fn w(&self) -> &Array1<F> {
        self
    }
    fn with_w(&self, gw: Array1<F>) -> Self {
        gw
    }
}

impl<F: Float> State<F> for (Array1<F>, Array1<F>) {
    fn zeros(n: usize) -> Self {
        (Array1::zeros(n), Array1::zeros(n))
    }
    fn w(&self) -> &Array1<F> {
        &self.0
    }
    fn with_w(&self, gw: Array1<F>) -> Self {
        (gw, self.1.zero_like())
    }
}

impl<F: Float> State<F> for (Array1<F>, Array1<F>, Array1<F>) {
    fn zeros(n: usize) -> Self {
        (Array1::zeros(n), Array1::zeros(n), Array1::zeros(n))
    }
    fn w(&self) -> &Array1<F> {
        &self.0
    }
    fn with_w(&self, gw: Array1<F>) -> Self {
        (gw, self.1.zero_like(), self.2.zero_like())
    }
}

/// `E(s_T) = ` the mean logistic loss of the validation examples at the final
/// parameters (independent of `λ`); its value is returned as `f64` (exact for `f32`).
fn validation<F: Float, S: State<F>, H: Tangent>(
    val: &Logistic<F>,
) -> impl Fn(&S, &H) -> (f64, S, H) + '_ {
    move |s: &S, h: &H| {
        let (value, g) = val.value_and_grad(s.w());
        (value.into_f64(), s.with_w(g), h.zero_like())
    }
}

/// `x` rounded to `f32`, in `F`: both float types get exactly the same hyperparameters.
fn of<F: Float>(x: f64) -> F {
    F::of_f64(f64::from(x as f32))
}

/// One rate and momentum for all steps, and the L2 weight.
fn constant<F: Float>(lr: f64, momentum: f64, l2: f64) -> StepHyper<F, F> {
    StepHyper::constant(of(lr), of(momentum), of(l2))
}

/// A decaying per-step rate schedule `lr · (1 - t / 2T)`, one momentum, the L2 weight.
fn schedule<F: Float>(lr: f64, momentum: f64, l2: f64) -> StepHyper<F, F> {
    let rates = Array1::from_shape_fn(STEPS, |t| of(lr * (1.0 - t as f64 / (2 * STEPS) as f64)));
    StepHyper::schedule(rates, Array1::from_elem(1, of(momentum)), of(l2))
}

/// Reverse-HG, Forward-HG and both checkpointed Reverse-HGs of one training run.
struct Drivers<S, H> {
    reverse: Hypergradient<S, H>,
    forward: Hypergradient<S, H>,
    sqrt: Hypergradient<S, H>,
    binomial: Hypergradient<S, H>,
}

fn drivers<F, D>(dynamics: &D, val: &Logistic<F>, h: &D::Hyper) -> Drivers<D::State, D::Hyper>
where
    F: Float,
    D: Dynamics,
    D::State: State<F>,
{
    let v = validation(val);
    let s0 = D::State::zeros(FEATURES);
    let binomial = Checkpointing::Binomial { snapshots: 2 };
    Drivers {
        reverse: reverse(dynamics, &v, &s0, h, STEPS),
        forward: forward(dynamics, &v, &s0, h, STEPS),
        sqrt: checkpointed(dynamics, &v, &s0, h, STEPS, Checkpointing::Sqrt).unwrap(),
        binomial: checkpointed(dynamics, &v, &s0, h, STEPS, binomial).unwrap(),
    }
}

/// `max_i |a_i - b_i| / max_i |b_i|` over the flat hyperparameters.
fn relative_deviation(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    assert!(scale > 0.0, "a zero hypergradient compares nothing");
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    worst / scale
}

/// The `f64` hypergradient against central differences of the `f64` training run.
fn check_f64_reference<D, V>(what: &str, dynamics: &D, v: &V, h: &D::Hyper, grad: &D::Hyper)
where
    D: Dynamics,
    D::State: State<f64>,
    V: Validation<D::State, D::Hyper>,
{
    let s0 = D::State::zeros(FEATURES);
    let flat = h.flatten();
    let g = grad.flatten();
    let scale = g.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for i in 0..flat.len() {
        let eps = 1e-5 * flat[i].abs().max(0.1);
        let at = |d: f64| {
            let mut x = flat.clone();
            x[i] += d;
            unrolled_loss(dynamics, v, &s0, &h.rebuild(&x).unwrap(), STEPS)
        };
        let fd = (at(eps) - at(-eps)) / (2.0 * eps);
        assert!(
            (g[i] - fd).abs() <= 1e-7 * scale,
            "{what}: f64 dE/dh[{i}] = {} but central differences give {fd}",
            g[i]
        );
    }
}

/// The whole comparison for one optimizer, given as `(dynamics, hyperparameters)` in
/// each float type.
fn compare<D64, D32>(what: &str, (d64, h64): (D64, D64::Hyper), (d32, h32): (D32, D32::Hyper))
where
    D64: Dynamics,
    D64::State: State<f64>,
    D32: Dynamics,
    D32::State: State<f32>,
{
    let (val64, val32) = (Logistic::<f64>::new(2), Logistic::<f32>::new(2));
    let r64 = drivers(&d64, &val64, &h64);
    let r32 = drivers(&d32, &val32, &h32);

    check_f64_reference(what, &d64, &validation(&val64), &h64, &r64.reverse.grad);
    let rel64 = relative_deviation(&r64.forward.grad.flatten(), &r64.reverse.grad.flatten());
    assert!(rel64 < 1e-12, "{what}: f64 forward vs reverse {rel64:e}");

    // Checkpointing recomputes the same f32 steps from the same f32 states.
    assert_eq!(
        r32.sqrt.grad.flatten(),
        r32.reverse.grad.flatten(),
        "{what}: √T"
    );
    assert_eq!(
        r32.binomial.grad.flatten(),
        r32.reverse.grad.flatten(),
        "{what}: binomial"
    );
    assert_eq!(r32.sqrt.value, r32.reverse.value, "{what}");

    let reference = r64.reverse.grad.flatten();
    for (driver, g32, g64) in [
        ("reverse", &r32.reverse, &r64.reverse),
        ("forward", &r32.forward, &r64.forward),
        ("checkpointed (√T)", &r32.sqrt, &r64.sqrt),
        ("checkpointed (binomial)", &r32.binomial, &r64.binomial),
    ] {
        let dev = relative_deviation(&g32.grad.flatten(), &g64.grad.flatten());
        eprintln!("{what}: {driver}: f32 vs f64 {dev:.2e}");
        assert!(
            dev <= F32_TOLERANCE,
            "{what}: {driver}: f32 {} vs f64 {} (relative {dev:e})",
            g32.grad.flatten(),
            g64.grad.flatten()
        );
        // The value too, relative to the loss.
        assert!(
            (g32.value - g64.value).abs() <= F32_TOLERANCE * g64.value,
            "{what}: {driver}: E = {} (f32) vs {} (f64)",
            g32.value,
            g64.value
        );
        // Each f32 component against the f64 reference, so that no driver compares
        // with itself only.
        let dev_ref = relative_deviation(&g32.grad.flatten(), &reference);
        assert!(dev_ref <= F32_TOLERANCE, "{what}: {driver} {dev_ref:e}");
    }
    let dev = relative_deviation(&r32.forward.grad.flatten(), &r32.reverse.grad.flatten());
    eprintln!("{what}: f32 forward vs f32 reverse {dev:.2e}");
    assert!(
        dev <= F32_REVERSE_FORWARD,
        "{what}: f32 forward {} vs reverse {} (relative {dev:e})",
        r32.forward.grad.flatten(),
        r32.reverse.grad.flatten()
    );
    // dE/ds_0 (parameters and optimizer state) from the f32 reverse sweep against f64.
    let (s32, s64) = (
        r32.reverse.initial_state_grad.unwrap().flatten(),
        r64.reverse.initial_state_grad.unwrap().flatten(),
    );
    let dev = relative_deviation(&s32, &s64);
    assert!(dev <= F32_TOLERANCE, "{what}: dE/ds_0 relative {dev:e}");
}

#[test]
fn gradient_descent_f32_matches_f64() {
    compare(
        "gradient descent",
        (
            GradientDescent(Logistic::new(1)),
            constant::<f64>(1.0, 0.0, 0.05),
        ),
        (
            GradientDescent(Logistic::new(1)),
            constant::<f32>(1.0, 0.0, 0.05),
        ),
    );
}

#[test]
fn heavy_ball_with_a_rate_schedule_f32_matches_f64() {
    compare(
        "heavy ball",
        (HeavyBall(Logistic::new(1)), schedule::<f64>(0.5, 0.7, 0.05)),
        (HeavyBall(Logistic::new(1)), schedule::<f32>(0.5, 0.7, 0.05)),
    );
}

#[test]
fn nesterov_f32_matches_f64() {
    compare(
        "Nesterov",
        (Nesterov(Logistic::new(1)), constant::<f64>(0.5, 0.7, 0.05)),
        (Nesterov(Logistic::new(1)), constant::<f32>(0.5, 0.7, 0.05)),
    );
}

#[test]
fn sgd_momentum_f32_matches_f64() {
    compare(
        "SGD with momentum",
        (
            SgdMomentum(Logistic::new(1)),
            constant::<f64>(2.0, 0.8, 0.05),
        ),
        (
            SgdMomentum(Logistic::new(1)),
            constant::<f32>(2.0, 0.8, 0.05),
        ),
    );
}

#[test]
fn adam_f32_matches_f64() {
    compare(
        "Adam",
        (Adam::new(Logistic::new(1)), schedule::<f64>(0.1, 0.0, 0.05)),
        (Adam::new(Logistic::new(1)), schedule::<f32>(0.1, 0.0, 0.05)),
    );
}

/// The `f64` path through [`InnerLoss`] (the blanket `GenericInnerLoss` for every
/// `InnerLoss`) computes exactly what the generic loss computes at `F = f64`.
#[test]
fn inner_loss_and_generic_inner_loss_agree_to_the_bit_in_f64() {
    let val = Logistic::<f64>::new(2);
    let v = validation(&val);
    let h = schedule::<f64>(0.5, 0.7, 0.05);
    let s0 = <(Array1<f64>, Array1<f64>)>::zeros(FEATURES);
    let generic = reverse(&HeavyBall(Logistic::new(1)), &v, &s0, &h, STEPS);
    let inner = reverse(
        &HeavyBall(ViaInnerLoss(Logistic::new(1))),
        &v,
        &s0,
        &h,
        STEPS,
    );
    assert_eq!(generic.grad, inner.grad);
    assert_eq!(generic.value, inner.value);
    let forward_generic = forward(
        &Adam::new(Logistic::new(1)),
        &validation(&val),
        &<(Array1<f64>, Array1<f64>, Array1<f64>)>::zeros(FEATURES),
        &h,
        STEPS,
    );
    let forward_inner = forward(
        &Adam::new(ViaInnerLoss(Logistic::new(1))),
        &validation(&val),
        &<(Array1<f64>, Array1<f64>, Array1<f64>)>::zeros(FEATURES),
        &h,
        STEPS,
    );
    assert_eq!(forward_generic.grad, forward_inner.grad);
}

/// The outer loop on `f32` hyperparameters: hypergradient descent on the rate and the
/// L2 weight of gradient descent, with the rate boxed (the projection works on the
/// flat `f64` representation and rounds back to `f32`), follows the `f64` outer loop.
#[test]
fn outer_loop_with_a_box_in_f32_follows_f64() {
    fn run<F: Float>() -> OptimizeResult<StepHyper<F, F>>
    where
        for<'r> &'r F: Val<V = F>,
    {
        let (dynamics, val) = (
            GradientDescent(Logistic::<F>::new(1)),
            Logistic::<F>::new(2),
        );
        let v = validation(&val);
        let w0 = Array1::zeros(FEATURES);
        let params = OuterParams {
            iterations: 8,
            method: OuterMethod::Adam(AdamParams {
                lr: 0.02,
                ..AdamParams::default()
            }),
            projection: Projection::On {
                range: 0..1,
                projection: Box::new(Projection::Box { lo: 0.1, hi: 1.1 }),
            },
        };
        let hg = |h: &StepHyper<F, F>| {
            let r = reverse(&dynamics, &v, &w0, h, STEPS);
            Ok((r.value, r.grad))
        };
        optimize(&constant::<F>(1.0, 0.0, 0.3), hg, &params, None).unwrap()
    }
    let (r64, r32) = (run::<f64>(), run::<f32>());
    // The box is active: the rate ends at its upper bound in both.
    assert_eq!(r64.hyper.lr[0], 1.1);
    assert_eq!(r32.hyper.lr[0], 1.1f32);
    let dev = relative_deviation(&r32.hyper.flatten(), &r64.hyper.flatten());
    assert!(
        dev <= F32_TOLERANCE,
        "outer loop: f32 {:?} vs f64 {:?}",
        r32.hyper,
        r64.hyper
    );
    assert!(r64.value < r64.history[0].value, "the outer loop lowers E");
    for (a, b) in r32.history.iter().zip(&r64.history) {
        assert!((a.value - b.value).abs() <= F32_TOLERANCE * b.value);
    }
}
