//! Losses of a batch (rows are examples), as `#[differentiable]` functions of the
//! prediction (the targets are constants), and the classification error. Each is
//! written once over the float type `F` ([`Float`]: `f64` or `f32`).
//!
//! Each loss is the mean over the rows of a per-example loss (Hype's `Loss`):
//!
//! | loss | per example `(p, t)` |
//! |---|---|
//! | [`l1_loss`] | `Σ_j |p_j - t_j|` |
//! | [`l2_loss`] | `sqrt(Σ_j (p_j - t_j)²)` |
//! | [`quadratic_loss`] | `Σ_j (p_j - t_j)²` |
//! | [`cross_entropy_on_linear`] | `-Σ_j t_j log softmax(p)_j` |
//! | [`cross_entropy_on_softmax`] | `-Σ_j t_j log p_j` |
//!
//! Call them in differentiable code (`nn::quadratic_loss(&m.forward(x), y)`), or
//! through [`Loss`], which also gives the gradient with respect to the prediction.
//! They are generated to order 2, so a loss of order 2 (`hvp!`, `grad!` inside a
//! body) may call them.

use crate::rt::Val;
use crate::{differentiable, ops, Float};
use ndarray::{Array2, ArrayView2, Axis};

/// Mean over rows of the L1 norm of `pred - target`.
#[differentiable(order = 2)]
pub fn l1_loss<F: Float>(pred: &Array2<F>, #[constant] target: &Array2<F>) -> F {
    let d = pred - target;
    d.abs().sum() / F::of_f64(pred.nrows() as f64)
}

/// Mean over rows of the Euclidean norm of `pred - target` (its gradient is undefined
/// where a row of `pred` equals its target).
#[differentiable(order = 2)]
pub fn l2_loss<F: Float>(pred: &Array2<F>, #[constant] target: &Array2<F>) -> F {
    let d = pred - target;
    let sq = &d * &d;
    sq.sum_axis(Axis(1)).sqrt().sum() / F::of_f64(pred.nrows() as f64)
}

/// Mean over rows of the squared Euclidean norm of `pred - target`.
#[differentiable(order = 2)]
pub fn quadratic_loss<F: Float>(pred: &Array2<F>, #[constant] target: &Array2<F>) -> F {
    let d = pred - target;
    (&d * &d).sum() / F::of_f64(pred.nrows() as f64)
}

/// Cross-entropy of the targets and the softmax of the logits `pred`.
#[differentiable(order = 2)]
pub fn cross_entropy_on_linear<F: Float>(pred: &Array2<F>, #[constant] target: &Array2<F>) -> F {
    ops::cross_entropy_on_linear(pred, target)
}

/// Cross-entropy of the targets and probabilities `pred` (rows summing to 1).
#[differentiable(order = 2)]
pub fn cross_entropy_on_softmax<F: Float>(pred: &Array2<F>, #[constant] target: &Array2<F>) -> F {
    ops::cross_entropy_on_softmax(pred, target)
}

/// The fraction of rows whose largest prediction is not at the largest target (the
/// first on ties). Not differentiable: a measure, not a training loss.
///
/// # Panics
///
/// When the shapes differ (the message gives both).
pub fn classification_error<F: Float>(pred: ArrayView2<F>, target: ArrayView2<F>) -> f64 {
    assert_eq!(
        pred.shape(),
        target.shape(),
        "hype: classification_error of predictions {:?} and targets {:?}",
        pred.shape(),
        target.shape()
    );
    if pred.nrows() == 0 {
        return 0.0;
    }
    let argmax = |r: ndarray::ArrayView1<F>| {
        let mut best = 0;
        for (j, &v) in r.iter().enumerate() {
            if v > r[best] {
                best = j;
            }
        }
        best
    };
    let wrong = pred
        .rows()
        .into_iter()
        .zip(target.rows())
        .filter(|(p, t)| argmax(*p) != argmax(*t))
        .count();
    wrong as f64 / pred.nrows() as f64
}

/// A loss chosen at run time (Hype's `Loss`).
///
/// [`Loss::value`], [`Loss::value_and_grad`] and [`Loss::jvp`] take `f64` arrays (so
/// that `Array2::zeros(..)` arguments need no annotation); [`Loss::value_as`],
/// [`Loss::value_and_grad_as`] and [`Loss::jvp_as`] are the same for either float
/// type (`f32` or `f64`; the where clause `for<'r> &'r F: Val<V = F>` of the
/// derivatives holds for both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    L1,
    L2,
    Quadratic,
    CrossEntropyOnLinear,
    CrossEntropyOnSoftmax,
}

impl Loss {
    fn check<F: Float>(&self, pred: &Array2<F>, target: &Array2<F>) {
        assert_eq!(
            pred.shape(),
            target.shape(),
            "hype: {:?} loss of predictions {:?} and targets {:?}",
            self,
            pred.shape(),
            target.shape()
        );
    }

    /// The loss of the batch, in `f64` ([`Loss::value_as`] for `f32`).
    ///
    /// # Panics
    ///
    /// When the shapes differ (the message gives both).
    pub fn value(&self, pred: &Array2<f64>, target: &Array2<f64>) -> f64 {
        self.value_as(pred, target)
    }

    /// The loss and its gradient with respect to `pred` (generated reverse mode), in
    /// `f64` ([`Loss::value_and_grad_as`] for `f32`).
    ///
    /// # Panics
    ///
    /// When the shapes differ (the message gives both).
    pub fn value_and_grad(&self, pred: &Array2<f64>, target: &Array2<f64>) -> (f64, Array2<f64>) {
        self.value_and_grad_as(pred, target)
    }

    /// The loss and its directional derivative along `dpred` (generated forward mode),
    /// in `f64` ([`Loss::jvp_as`] for `f32`).
    pub fn jvp(&self, pred: &Array2<f64>, target: &Array2<f64>, dpred: &Array2<f64>) -> (f64, f64) {
        self.jvp_as(pred, target, dpred)
    }

    /// The loss of the batch, in the float type `F` of the arrays.
    ///
    /// # Panics
    ///
    /// When the shapes differ (the message gives both).
    pub fn value_as<F: Float>(&self, pred: &Array2<F>, target: &Array2<F>) -> F {
        self.check(pred, target);
        match self {
            Loss::L1 => l1_loss(pred, target),
            Loss::L2 => l2_loss(pred, target),
            Loss::Quadratic => quadratic_loss(pred, target),
            Loss::CrossEntropyOnLinear => cross_entropy_on_linear(pred, target),
            Loss::CrossEntropyOnSoftmax => cross_entropy_on_softmax(pred, target),
        }
    }

    /// The loss and its gradient with respect to `pred` (generated reverse mode), in
    /// the float type `F` of the arrays.
    ///
    /// # Panics
    ///
    /// When the shapes differ (the message gives both).
    pub fn value_and_grad_as<F: Float>(
        &self,
        pred: &Array2<F>,
        target: &Array2<F>,
    ) -> (F, Array2<F>)
    where
        for<'r> &'r F: Val<V = F>,
    {
        self.check(pred, target);
        match self {
            Loss::L1 => l1_loss::__value_and_grad(pred, target),
            Loss::L2 => l2_loss::__value_and_grad(pred, target),
            Loss::Quadratic => quadratic_loss::__value_and_grad(pred, target),
            Loss::CrossEntropyOnLinear => cross_entropy_on_linear::__value_and_grad(pred, target),
            Loss::CrossEntropyOnSoftmax => cross_entropy_on_softmax::__value_and_grad(pred, target),
        }
    }

    /// The loss and its directional derivative along `dpred` (generated forward mode),
    /// in the float type `F` of the arrays.
    pub fn jvp_as<F: Float>(
        &self,
        pred: &Array2<F>,
        target: &Array2<F>,
        dpred: &Array2<F>,
    ) -> (F, F)
    where
        for<'r> &'r F: Val<V = F>,
    {
        self.check(pred, target);
        self.check(dpred, target);
        match self {
            Loss::L1 => l1_loss::__jvp(pred, target, dpred),
            Loss::L2 => l2_loss::__jvp(pred, target, dpred),
            Loss::Quadratic => quadratic_loss::__jvp(pred, target, dpred),
            Loss::CrossEntropyOnLinear => cross_entropy_on_linear::__jvp(pred, target, dpred),
            Loss::CrossEntropyOnSoftmax => cross_entropy_on_softmax::__jvp(pred, target, dpred),
        }
    }
}
