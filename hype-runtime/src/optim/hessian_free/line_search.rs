//! The line search on the step HF chose (Martens 2010, §4.6): from rate 1, shrink by
//! `0.8` until the loss falls at least `c · rate · gᵀδ` below its value (Armijo, `c =
//! 0.01`), at most 60 times; no acceptable rate gives rate 0 (no update). A
//! non-finite loss is never acceptable.
//!
//! The losses, the slope and the rate are `f64` whatever the network's float type (an
//! `f32` loss is widened exactly; the step `θ + rδ` is rounded per entry to `f32`).

/// The outcome of the search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateSearch {
    /// The accepted rate (0: none).
    pub rate: f64,
    /// The loss at the accepted rate (the starting loss when the rate is 0).
    pub loss: f64,
    /// Loss evaluations made (the one at rate 1 given by the caller excluded).
    pub evaluations: usize,
}

/// Searches the rate along a step with directional derivative `slope = gᵀδ`, starting
/// loss `loss0`, and the loss `loss_full` at rate 1; `loss_at(r)` evaluates the loss
/// at rate `r`.
pub fn search_rate(
    loss0: f64,
    slope: f64,
    loss_full: f64,
    mut loss_at: impl FnMut(f64) -> f64,
) -> RateSearch {
    let shrink = 0.8;
    let c = 0.01;
    let min_improvement = (c * slope).min(0.0);
    let mut rate = 1.0;
    let mut loss = loss_full;
    for k in 0..60 {
        if loss.is_finite() && loss <= loss0 + rate * min_improvement {
            return RateSearch {
                rate,
                loss,
                evaluations: k,
            };
        }
        rate *= shrink;
        loss = loss_at(rate);
    }
    RateSearch {
        rate: 0.0,
        loss: loss0,
        evaluations: 60,
    }
}
