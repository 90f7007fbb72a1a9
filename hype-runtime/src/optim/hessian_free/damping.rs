//! Tikhonov damping `λ` adjusted by the Levenberg–Marquardt rule on the reduction
//! ratio `ρ = (L(θ + δ) - L(θ)) / (q(δ) - q(0))`, the actual change of the loss over
//! the change its damped quadratic model predicted (Martens 2010, §4.1): a poor model
//! (`ρ < ¼`) raises `λ` (shorter, more gradient-like steps), a good one (`ρ > ¾`)
//! lowers it.
//!
//! `λ` and `ρ` are `f64` whatever the network's float type (the losses reach the
//! optimizer widened exactly to `f64`; `λ` enters the products through
//! [`Tangent::axpy`](crate::Tangent::axpy), rounded per entry to the parameters' type).

/// The damping `λ` and its update rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Damping {
    /// The current `λ`.
    pub lambda: f64,
    /// `λ ← λ · raise` when `ρ < low` (1.5: the seed's and Martens').
    pub raise: f64,
    /// `λ ← λ · lower` when `ρ > high` (0.66, i.e. 2/3).
    pub lower: f64,
    /// Below this ratio the model is poor (0.25).
    pub low: f64,
    /// Above this ratio the model is good (0.75).
    pub high: f64,
}

impl Damping {
    /// Damping starting at `lambda` with Martens' constants.
    pub fn new(lambda: f64) -> Self {
        Damping {
            lambda,
            raise: 1.5,
            lower: 0.66,
            low: 0.25,
            high: 0.75,
        }
    }

    /// The reduction ratio of an actual change `actual` over a predicted change
    /// `predicted` (1 when nothing was predicted; `-∞` when the actual loss is not
    /// finite, which always raises the damping).
    pub fn ratio(actual: f64, predicted: f64) -> f64 {
        if !actual.is_finite() {
            f64::NEG_INFINITY
        } else if predicted == 0.0 {
            1.0
        } else {
            actual / predicted
        }
    }

    /// Applies the Levenberg–Marquardt rule for the ratio `rho`.
    pub fn update(&mut self, rho: f64) {
        if rho.is_nan() || rho < self.low {
            self.lambda *= self.raise;
        } else if rho > self.high {
            self.lambda *= self.lower;
        }
    }
}
