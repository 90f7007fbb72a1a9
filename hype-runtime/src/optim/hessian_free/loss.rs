//! Losses of the network's output, with the two derivatives Hessian-free needs: the
//! gradient with respect to the output and the product `H_L·u` of the loss's Hessian
//! with respect to the output (both generated from `#[differentiable(order = 2)]`
//! functions). `H_L` must be positive semi-definite for the Gauss–Newton matrix
//! `Jᵀ·H_L·J` to be: every loss here is convex in the output.
//!
//! The seed package's conventions: losses are sums over units and means over the
//! rows of the batch; [`SquaredError`] is `½ Σ (y - t)²`; a target `NaN` means "no
//! target here" and contributes nothing.

use super::HfError;
use crate::differentiable;
use crate::nn::Loss;
use crate::rt::Val;
use crate::tangent::Tangent;
use crate::Float;
use ndarray::Array2;

/// A loss of a network output `O` against targets of float type `F` (rows are
/// examples; `F` is `f64` unless written).
///
/// The targets are of the network's float type (an `f32` output of
/// `FeedForwardNet<f32>` against `Array2<f32>` targets; other pairings do not compile);
/// the value is computed in `F` and widened (exactly) to `f64` for the optimizer.
pub trait OutputLoss<O, F: Float = f64> {
    /// A name for error messages.
    fn name(&self) -> String;
    /// Checks the output's shape against the targets'.
    fn check(&self, out: &O, targets: &Array2<F>) -> Result<(), HfError>;
    /// The loss.
    fn value(&self, out: &O, targets: &Array2<F>) -> f64;
    /// The loss and its gradient with respect to the output.
    fn value_and_grad(&self, out: &O, targets: &Array2<F>) -> (f64, O);
    /// `H_L·u`: the Hessian of the loss with respect to the output, times `u`.
    fn hvp(&self, out: &O, targets: &Array2<F>, u: &O) -> O;
    /// Told the optimizer's damping `λ` before each solve (structural damping scales
    /// with it); most losses ignore it.
    fn set_damping(&self, _lambda: f64) {}
}

/// `½ Σ_units (m ∘ (y - t))² / rows`, `m` the mask of defined targets, `t` zero where
/// undefined.
#[differentiable(order = 2)]
pub fn masked_squared_error<F: Float>(
    y: &Array2<F>,
    #[constant] t: &Array2<F>,
    #[constant] mask: &Array2<F>,
) -> F {
    let d = (y - t) * mask;
    F::of_f64(0.5) * (&d * &d).sum() / F::of_f64(y.nrows() as f64)
}

/// `-Σ_units t ln y / rows` (`y` positive, e.g. a softmax output; `t` zero where
/// undefined).
#[differentiable(order = 2)]
pub fn masked_cross_entropy<F: Float>(y: &Array2<F>, #[constant] t: &Array2<F>) -> F {
    -(&y.ln() * t).sum() / F::of_f64(y.nrows() as f64)
}

/// `½ w Σ_units (a - target)² / rows`: the seed's `SparseL2` on one layer's activity.
#[differentiable(order = 2)]
pub fn sparse_l2<F: Float>(a: &Array2<F>, #[constant] weight: F, #[constant] target: F) -> F {
    let d = a - &Array2::from_elem(a.raw_dim(), target);
    F::of_f64(0.5) * weight * (&d * &d).sum() / F::of_f64(a.nrows() as f64)
}

/// The targets with `NaN` replaced by 0, and the mask of defined targets.
fn defined<F: Float>(targets: &Array2<F>) -> (Array2<F>, Array2<F>) {
    let t = targets.mapv(|v| if v.is_nan() { F::zero() } else { v });
    let m = targets.mapv(|v| if v.is_nan() { F::zero() } else { F::one() });
    (t, m)
}

fn same_shape<F, G>(loss: &str, out: &Array2<F>, targets: &Array2<G>) -> Result<(), HfError> {
    if out.dim() != targets.dim() {
        return Err(HfError::Shape {
            what: format!("{loss} loss: network output against targets"),
            left: out.shape().to_vec(),
            right: targets.shape().to_vec(),
        });
    }
    Ok(())
}

/// The seed's `SquaredError`: `½ Σ (y - t)²` per example, mean over examples; `NaN`
/// targets contribute nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct SquaredError;

impl<F: Float> OutputLoss<Array2<F>, F> for SquaredError
where
    for<'r> &'r F: Val<V = F>,
{
    fn name(&self) -> String {
        "squared error".into()
    }
    fn check(&self, out: &Array2<F>, targets: &Array2<F>) -> Result<(), HfError> {
        same_shape("squared error", out, targets)
    }
    fn value(&self, out: &Array2<F>, targets: &Array2<F>) -> f64 {
        let (t, m) = defined(targets);
        masked_squared_error(out, &t, &m).into_f64()
    }
    fn value_and_grad(&self, out: &Array2<F>, targets: &Array2<F>) -> (f64, Array2<F>) {
        let (t, m) = defined(targets);
        let (v, g) = masked_squared_error::__value_and_grad(out, &t, &m);
        (v.into_f64(), g)
    }
    fn hvp(&self, out: &Array2<F>, targets: &Array2<F>, u: &Array2<F>) -> Array2<F> {
        let (t, m) = defined(targets);
        masked_squared_error::__hvp(out, &t, &m, u)
    }
}

/// The seed's `CrossEntropy`: `-Σ t ln y` per example (the output `y` a probability,
/// from a softmax layer), mean over examples; `NaN` targets contribute nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct CrossEntropy;

impl<F: Float> OutputLoss<Array2<F>, F> for CrossEntropy
where
    for<'r> &'r F: Val<V = F>,
{
    fn name(&self) -> String {
        "cross-entropy".into()
    }
    fn check(&self, out: &Array2<F>, targets: &Array2<F>) -> Result<(), HfError> {
        same_shape("cross-entropy", out, targets)
    }
    fn value(&self, out: &Array2<F>, targets: &Array2<F>) -> f64 {
        masked_cross_entropy(out, &defined(targets).0).into_f64()
    }
    fn value_and_grad(&self, out: &Array2<F>, targets: &Array2<F>) -> (f64, Array2<F>) {
        let (v, g) = masked_cross_entropy::__value_and_grad(out, &defined(targets).0);
        (v.into_f64(), g)
    }
    fn hvp(&self, out: &Array2<F>, targets: &Array2<F>, u: &Array2<F>) -> Array2<F> {
        masked_cross_entropy::__hvp(out, &defined(targets).0, u)
    }
}

/// Hype's losses ([`Loss`]) as output losses (the cross-entropy on logits is the
/// "matching" loss of a softmax output: `H_L = diag(s) - s sᵀ` per row).
impl<F: Float> OutputLoss<Array2<F>, F> for Loss
where
    for<'r> &'r F: Val<V = F>,
{
    fn name(&self) -> String {
        format!("{self:?}")
    }
    fn check(&self, out: &Array2<F>, targets: &Array2<F>) -> Result<(), HfError> {
        same_shape(&format!("{self:?}"), out, targets)
    }
    fn value(&self, out: &Array2<F>, targets: &Array2<F>) -> f64 {
        Loss::value_as(self, out, targets).into_f64()
    }
    fn value_and_grad(&self, out: &Array2<F>, targets: &Array2<F>) -> (f64, Array2<F>) {
        let (v, g) = Loss::value_and_grad_as(self, out, targets);
        (v.into_f64(), g)
    }
    fn hvp(&self, out: &Array2<F>, targets: &Array2<F>, u: &Array2<F>) -> Array2<F> {
        use crate::nn::loss::*;
        let t = targets;
        match self {
            Loss::L1 => l1_loss::__hvp(out, t, u),
            Loss::L2 => l2_loss::__hvp(out, t, u),
            Loss::Quadratic => quadratic_loss::__hvp(out, t, u),
            Loss::CrossEntropyOnLinear => cross_entropy_on_linear::__hvp(out, t, u),
            Loss::CrossEntropyOnSoftmax => cross_entropy_on_softmax::__hvp(out, t, u),
        }
    }
}

/// A loss on a network whose output is `(hidden, output)`: the seed's `LossSet` of a
/// [`SparseL2`] activity penalty on the hidden layer and a loss on the output layer.
#[derive(Clone, Copy, Debug)]
pub struct WithSparsity<L> {
    /// The loss of the output layer.
    pub output: L,
    /// The penalty on the hidden layer.
    pub sparsity: SparseL2,
}

/// The seed's `SparseL2`: `½ w Σ (a - target)²` per example on a layer's activity.
#[derive(Clone, Copy, Debug)]
pub struct SparseL2 {
    /// The weight `w`.
    pub weight: f64,
    /// The target activity.
    pub target: f64,
}

impl SparseL2 {
    /// The weight and the target rounded to `F`.
    fn as_float<F: Float>(&self) -> (F, F) {
        (F::of_f64(self.weight), F::of_f64(self.target))
    }
}

/// For every float type `F`: the hidden layer, the output and the targets in `F`; the
/// penalty's weight and target (`f64`) are rounded to `F`.
impl<F: Float, L: OutputLoss<Array2<F>, F>> OutputLoss<(Array2<F>, Array2<F>), F>
    for WithSparsity<L>
where
    for<'r> &'r F: Val<V = F>,
{
    fn name(&self) -> String {
        format!("{} + sparse L2", self.output.name())
    }
    fn check(&self, out: &(Array2<F>, Array2<F>), targets: &Array2<F>) -> Result<(), HfError> {
        self.output.check(&out.1, targets)
    }
    fn value(&self, out: &(Array2<F>, Array2<F>), targets: &Array2<F>) -> f64 {
        let (weight, target) = self.sparsity.as_float();
        sparse_l2(&out.0, weight, target).into_f64() + self.output.value(&out.1, targets)
    }
    fn value_and_grad(
        &self,
        out: &(Array2<F>, Array2<F>),
        targets: &Array2<F>,
    ) -> (f64, (Array2<F>, Array2<F>)) {
        let (weight, target) = self.sparsity.as_float();
        let (a, ga) = sparse_l2::__value_and_grad(&out.0, weight, target);
        let (b, gb) = self.output.value_and_grad(&out.1, targets);
        (a.into_f64() + b, (ga, gb))
    }
    fn hvp(
        &self,
        out: &(Array2<F>, Array2<F>),
        targets: &Array2<F>,
        u: &(Array2<F>, Array2<F>),
    ) -> (Array2<F>, Array2<F>) {
        let (weight, target) = self.sparsity.as_float();
        (
            sparse_l2::__hvp(&out.0, weight, target, &u.0),
            self.output.hvp(&out.1, targets, &u.1),
        )
    }
}

/// Structural damping (Martens & Sutskever 2011) on a network whose output is
/// `(hidden, output)`: the loss and its gradient are the output loss's, and the
/// curvature gains `μ λ` times the identity on the hidden activities, `λ` the
/// optimizer's damping, so CG avoids steps that change the hidden states much
/// (the seed's `StructuralDamping` loss). `hidden` is any [`Tangent`] value: one
/// array of every step's activities, or the `Vec` of states a recurrent loop pushed.
#[derive(Clone, Debug)]
pub struct StructuralDamping<L> {
    /// The loss of the output layer.
    pub output: L,
    /// The weight `μ`.
    pub weight: f64,
    lambda: std::cell::Cell<f64>,
}

impl<L> StructuralDamping<L> {
    /// Structural damping of weight `μ` beside the loss `output`.
    pub fn new(output: L, weight: f64) -> Self {
        StructuralDamping {
            output,
            weight,
            lambda: std::cell::Cell::new(0.0),
        }
    }
}

/// For every float type `F`: the output and the targets in `F`, the hidden state any
/// [`Tangent`] (of `F` arrays); the curvature term `μ λ / rows` is formed in `f64` and
/// applied by [`Tangent::scale`], like the optimizer's own damping.
impl<F: Float, H: Tangent, L: OutputLoss<Array2<F>, F>> OutputLoss<(H, Array2<F>), F>
    for StructuralDamping<L>
{
    fn name(&self) -> String {
        format!("{} + structural damping", self.output.name())
    }
    fn check(&self, out: &(H, Array2<F>), targets: &Array2<F>) -> Result<(), HfError> {
        self.output.check(&out.1, targets)
    }
    fn value(&self, out: &(H, Array2<F>), targets: &Array2<F>) -> f64 {
        self.output.value(&out.1, targets)
    }
    fn value_and_grad(&self, out: &(H, Array2<F>), targets: &Array2<F>) -> (f64, (H, Array2<F>)) {
        let (v, g) = self.output.value_and_grad(&out.1, targets);
        (v, (out.0.zero_like(), g))
    }
    fn hvp(&self, out: &(H, Array2<F>), targets: &Array2<F>, u: &(H, Array2<F>)) -> (H, Array2<F>) {
        // Per example, like the other losses (means over the rows of the batch).
        let scale = self.weight * self.lambda.get() / targets.nrows().max(1) as f64;
        let mut hidden = u.0.clone();
        hidden.scale(scale);
        (hidden, self.output.hvp(&out.1, targets, &u.1))
    }
    fn set_damping(&self, lambda: f64) {
        self.lambda.set(lambda);
    }
}
