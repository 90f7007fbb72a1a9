//! Losses of a batch (rows are examples), as `#[differentiable]` functions of the
//! prediction (the targets are constants), and the classification error.
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

use crate::{differentiable, ops};
use ndarray::{Array2, ArrayView2, Axis};

/// Mean over rows of the L1 norm of `pred - target`.
#[differentiable(order = 2)]
pub fn l1_loss(pred: &Array2<f64>, #[constant] target: &Array2<f64>) -> f64 {
    let d = pred - target;
    d.abs().sum() / (pred.nrows() as f64)
}

/// Mean over rows of the Euclidean norm of `pred - target` (its gradient is undefined
/// where a row of `pred` equals its target).
#[differentiable(order = 2)]
pub fn l2_loss(pred: &Array2<f64>, #[constant] target: &Array2<f64>) -> f64 {
    let d = pred - target;
    let sq = &d * &d;
    sq.sum_axis(Axis(1)).sqrt().sum() / (pred.nrows() as f64)
}

/// Mean over rows of the squared Euclidean norm of `pred - target`.
#[differentiable(order = 2)]
pub fn quadratic_loss(pred: &Array2<f64>, #[constant] target: &Array2<f64>) -> f64 {
    let d = pred - target;
    (&d * &d).sum() / (pred.nrows() as f64)
}

/// Cross-entropy of the targets and the softmax of the logits `pred`.
#[differentiable(order = 2)]
pub fn cross_entropy_on_linear(pred: &Array2<f64>, #[constant] target: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_linear(pred, target)
}

/// Cross-entropy of the targets and probabilities `pred` (rows summing to 1).
#[differentiable(order = 2)]
pub fn cross_entropy_on_softmax(pred: &Array2<f64>, #[constant] target: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_softmax(pred, target)
}

/// The fraction of rows whose largest prediction is not at the largest target (the
/// first on ties). Not differentiable: a measure, not a training loss.
///
/// # Panics
///
/// When the shapes differ (the message gives both).
pub fn classification_error(pred: ArrayView2<f64>, target: ArrayView2<f64>) -> f64 {
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
    let argmax = |r: ndarray::ArrayView1<f64>| {
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    L1,
    L2,
    Quadratic,
    CrossEntropyOnLinear,
    CrossEntropyOnSoftmax,
}

impl Loss {
    fn check(&self, pred: &Array2<f64>, target: &Array2<f64>) {
        assert_eq!(
            pred.shape(),
            target.shape(),
            "hype: {:?} loss of predictions {:?} and targets {:?}",
            self,
            pred.shape(),
            target.shape()
        );
    }

    /// The loss of the batch.
    ///
    /// # Panics
    ///
    /// When the shapes differ (the message gives both).
    pub fn value(&self, pred: &Array2<f64>, target: &Array2<f64>) -> f64 {
        self.check(pred, target);
        match self {
            Loss::L1 => l1_loss(pred, target),
            Loss::L2 => l2_loss(pred, target),
            Loss::Quadratic => quadratic_loss(pred, target),
            Loss::CrossEntropyOnLinear => cross_entropy_on_linear(pred, target),
            Loss::CrossEntropyOnSoftmax => cross_entropy_on_softmax(pred, target),
        }
    }

    /// The loss and its gradient with respect to `pred` (generated reverse mode).
    ///
    /// # Panics
    ///
    /// When the shapes differ (the message gives both).
    pub fn value_and_grad(&self, pred: &Array2<f64>, target: &Array2<f64>) -> (f64, Array2<f64>) {
        self.check(pred, target);
        match self {
            Loss::L1 => l1_loss::__value_and_grad(pred, target),
            Loss::L2 => l2_loss::__value_and_grad(pred, target),
            Loss::Quadratic => quadratic_loss::__value_and_grad(pred, target),
            Loss::CrossEntropyOnLinear => cross_entropy_on_linear::__value_and_grad(pred, target),
            Loss::CrossEntropyOnSoftmax => cross_entropy_on_softmax::__value_and_grad(pred, target),
        }
    }

    /// The loss and its directional derivative along `dpred` (generated forward mode).
    pub fn jvp(&self, pred: &Array2<f64>, target: &Array2<f64>, dpred: &Array2<f64>) -> (f64, f64) {
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
