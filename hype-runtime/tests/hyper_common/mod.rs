//! Shared problems of the hypergradient tests: training losses with analytic
//! Hessian-vector products (a quadratic with an L2 weight, weighted logistic
//! regression), validation losses, central finite differences and comparisons.
#![allow(dead_code)]

use hype_runtime::hyper::{unrolled_loss, Dynamics, InnerLoss, StepHyper};
use hype_runtime::Tangent;
use ndarray::{Array1, Array2};

/// A deterministic pseudo-random generator (64-bit LCG), uniform in [-1, 1).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
    pub fn vector(&mut self, n: usize) -> Array1<f64> {
        (0..n).map(|_| self.next()).collect()
    }
    pub fn matrix(&mut self, r: usize, c: usize) -> Array2<f64> {
        Array2::from_shape_fn((r, c), |_| self.next())
    }
}

/// `L(w, λ) = ½ (w - c)ᵀ A (w - c) + ½ λ |w|²` with `A` symmetric positive definite.
/// Hessian `A + λ I`, `∂_λ ∇L = w`.
#[derive(Clone, Debug)]
pub struct Quadratic {
    pub a: Array2<f64>,
    pub c: Array1<f64>,
}

impl Quadratic {
    /// `A = M Mᵀ / n + 0.5 I` from a seeded random `M` (eigenvalues in about [0.5, 3]).
    pub fn new(n: usize, seed: u64) -> Self {
        let mut rng = Lcg(seed);
        let m = rng.matrix(n, n);
        let a = m.dot(&m.t()) / n as f64 + Array2::<f64>::eye(n) * 0.5;
        Quadratic {
            a,
            c: rng.vector(n),
        }
    }
}

impl InnerLoss for Quadratic {
    type Hyper = f64;
    fn gradient(&self, w: &Array1<f64>, lam: &f64) -> Array1<f64> {
        self.a.dot(&(w - &self.c)) + *lam * w
    }
    fn gradient_vjp(&self, w: &Array1<f64>, lam: &f64, v: &Array1<f64>) -> (Array1<f64>, f64) {
        (self.a.dot(v) + *lam * v, w.dot(v))
    }
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &f64,
        dw: &Array1<f64>,
        dlam: &f64,
    ) -> Array1<f64> {
        self.a.dot(dw) + *lam * dw + *dlam * w
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Weighted logistic regression:
/// `L(w, (c, λ)) = (1/m) Σ_i c_i [softplus(x_iᵀw) - y_i x_iᵀw] + ½ λ |w|²`, with
/// per-example weights `c` and an L2 weight `λ` as hyperparameters.
#[derive(Clone, Debug)]
pub struct Logistic {
    pub x: Array2<f64>,
    pub y: Array1<f64>,
}

impl Logistic {
    /// `m` examples in `n` dimensions, labels from a seeded linear rule with noise.
    pub fn new(m: usize, n: usize, seed: u64) -> Self {
        let mut rng = Lcg(seed);
        let x = rng.matrix(m, n);
        let truth = rng.vector(n);
        let y = x
            .dot(&truth)
            .mapv(|z| z)
            .iter()
            .map(|&z| if z + 0.3 * rng.next() > 0.0 { 1.0 } else { 0.0 })
            .collect();
        Logistic { x, y }
    }

    fn residual(&self, w: &Array1<f64>) -> Array1<f64> {
        self.x.dot(w).mapv(sigmoid) - &self.y
    }

    /// Unweighted mean logistic loss and its gradient (the validation loss).
    pub fn value_and_grad(&self, w: &Array1<f64>) -> (f64, Array1<f64>) {
        let z = self.x.dot(w);
        let m = self.y.len() as f64;
        let value = z
            .iter()
            .zip(&self.y)
            .map(|(&zi, &yi)| softplus(zi) - yi * zi)
            .sum::<f64>()
            / m;
        let grad = self.x.t().dot(&self.residual(w)) / m;
        (value, grad)
    }
}

impl InnerLoss for Logistic {
    type Hyper = (Array1<f64>, f64);
    fn gradient(&self, w: &Array1<f64>, lam: &(Array1<f64>, f64)) -> Array1<f64> {
        let m = self.y.len() as f64;
        self.x.t().dot(&(&lam.0 * &self.residual(w))) / m + lam.1 * w
    }
    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        lam: &(Array1<f64>, f64),
        v: &Array1<f64>,
    ) -> (Array1<f64>, (Array1<f64>, f64)) {
        let m = self.y.len() as f64;
        let z = self.x.dot(w);
        let xv = self.x.dot(v);
        let curv = z.mapv(|zi| sigmoid(zi) * (1.0 - sigmoid(zi)));
        let hv = self.x.t().dot(&(&lam.0 * &curv * &xv)) / m + lam.1 * v;
        let dc = &self.residual(w) * &xv / m;
        (hv, (dc, w.dot(v)))
    }
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &(Array1<f64>, f64),
        dw: &Array1<f64>,
        dlam: &(Array1<f64>, f64),
    ) -> Array1<f64> {
        let m = self.y.len() as f64;
        let z = self.x.dot(w);
        let curv = z.mapv(|zi| sigmoid(zi) * (1.0 - sigmoid(zi)));
        let hdw = self.x.t().dot(&(&lam.0 * &curv * &self.x.dot(dw))) / m + lam.1 * dw;
        hdw + self.x.t().dot(&(&dlam.0 * &self.residual(w))) / m + dlam.1 * w
    }
    /// Shares `z = X w` and the residual between the gradient and its VJP.
    fn gradient_and_vjp(
        &self,
        w: &Array1<f64>,
        lam: &(Array1<f64>, f64),
        v: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>, (Array1<f64>, f64)) {
        let m = self.y.len() as f64;
        let p = self.x.dot(w).mapv(sigmoid);
        let r = &p - &self.y;
        let xv = self.x.dot(v);
        let g = self.x.t().dot(&(&lam.0 * &r)) / m + lam.1 * w;
        let curv = p.mapv(|pi| pi * (1.0 - pi));
        let hv = self.x.t().dot(&(&lam.0 * &curv * &xv)) / m + lam.1 * v;
        (g, hv, (&r * &xv / m, w.dot(v)))
    }
}

/// Parameters `w` inside an optimizer state.
pub trait HasWeights: Tangent {
    fn weights(&self) -> &Array1<f64>;
    /// A state cotangent that is `gw` on the weights and zero elsewhere.
    fn with_weight_grad(&self, gw: Array1<f64>) -> Self;
}

impl HasWeights for Array1<f64> {
    fn weights(&self) -> &Array1<f64> {
        self
    }
    fn with_weight_grad(&self, gw: Array1<f64>) -> Self {
        gw
    }
}

impl HasWeights for (Array1<f64>, Array1<f64>) {
    fn weights(&self) -> &Array1<f64> {
        &self.0
    }
    fn with_weight_grad(&self, gw: Array1<f64>) -> Self {
        (gw, self.1.zero_like())
    }
}

impl HasWeights for (Array1<f64>, Array1<f64>, Array1<f64>) {
    fn weights(&self) -> &Array1<f64> {
        &self.0
    }
    fn with_weight_grad(&self, gw: Array1<f64>) -> Self {
        (gw, self.1.zero_like(), self.2.zero_like())
    }
}

/// `E = ½ |w - target|² + ½ ρ λ²` for the quadratic problem (the λ term exercises
/// the direct dependence of E on the hyperparameters).
pub fn quadratic_validation<S: HasWeights>(
    target: Array1<f64>,
    rho: f64,
) -> impl Fn(&S, &StepHyper<f64>) -> (f64, S, StepHyper<f64>) {
    move |s: &S, h: &StepHyper<f64>| {
        let d = s.weights() - &target;
        let value = 0.5 * d.dot(&d) + 0.5 * rho * h.loss * h.loss;
        let mut gh = h.zero_like();
        gh.loss = rho * h.loss;
        (value, s.with_weight_grad(d), gh)
    }
}

/// Hyperparameters of an optimizer on [`Logistic`].
pub type LogisticHyper = StepHyper<(Array1<f64>, f64)>;

/// The validation logistic loss of `val` (no direct dependence on λ).
pub fn logistic_validation<S: HasWeights>(
    val: Logistic,
) -> impl Fn(&S, &LogisticHyper) -> (f64, S, LogisticHyper) {
    move |s: &S, h: &LogisticHyper| {
        let (value, gw) = val.value_and_grad(s.weights());
        (value, s.with_weight_grad(gw), h.zero_like())
    }
}

/// Central finite differences of the unrolled validation loss along every flat
/// hyperparameter, with step `eps · max(1, |λ_i|)`.
pub fn finite_differences<D, V>(
    dynamics: &D,
    validation: &V,
    s0: &D::State,
    h: &D::Hyper,
    steps: usize,
    eps: f64,
) -> Array1<f64>
where
    D: Dynamics,
    V: hype_runtime::hyper::Validation<D::State, D::Hyper>,
{
    let flat = h.flatten();
    (0..flat.len())
        .map(|i| {
            let step = eps * flat[i].abs().max(1.0);
            let mut plus = flat.clone();
            plus[i] += step;
            let mut minus = flat.clone();
            minus[i] -= step;
            let fp = unrolled_loss(dynamics, validation, s0, &h.rebuild(&plus).unwrap(), steps);
            let fm = unrolled_loss(dynamics, validation, s0, &h.rebuild(&minus).unwrap(), steps);
            (fp - fm) / (2.0 * step)
        })
        .collect()
}

/// `max_i |a_i - b_i| / max_i |b_i|`.
pub fn rel_err(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    assert_eq!(a.len(), b.len(), "compared vectors differ in length");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "reference gradient is zero");
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}
