//! Early stopping, validation checks and return-best (Hype's `EarlyStopping`,
//! `ValidationInterval`, `ImprovementThreshold`, `ReturnBest`).

use super::OptimError;
use crate::tangent::Tangent;

/// When to stop before the last iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EarlyStopping {
    /// Run every iteration (or until the gradient tolerance). Hype's default.
    #[default]
    NoEarly,
    /// Stop when the monitored loss (validation loss if the objective has one, else
    /// the training loss) has not improved for `stagnation` iterations (counted in
    /// steps of the validation interval), or — with a validation function — when the
    /// training loss improved `overfitting` times since the last check at which the
    /// validation loss improved.
    Early {
        stagnation: usize,
        overfitting: usize,
    },
}

impl EarlyStopping {
    /// Hype's `DefaultEarly`: `Early(750, 10)`.
    pub fn default_early() -> Self {
        EarlyStopping::Early {
            stagnation: 750,
            overfitting: 10,
        }
    }

    /// Checks that both patiences are at least 1.
    pub fn validate(&self) -> Result<(), OptimError> {
        match *self {
            EarlyStopping::Early {
                stagnation,
                overfitting,
            } if stagnation == 0 || overfitting == 0 => Err(OptimError::InvalidParameter {
                name: "EarlyStopping patience",
                value: 0.0,
                expected: ">= 1",
            }),
            _ => Ok(()),
        }
    }
}

/// `new` improves on `old` by the threshold (Hype: `new < threshold * old`, written so
/// that it also means "lower" for negative losses).
pub fn improves(new: f64, old: f64, threshold: f64) -> bool {
    new < old - (1.0 - threshold) * old.abs()
}

/// A remembered iterate.
#[derive(Clone, Debug)]
pub(crate) struct Snapshot<P> {
    pub x: P,
    pub value: f64,
    pub gradient: P,
    /// The loss that ranks snapshots (validation loss, else training loss).
    pub criterion: f64,
}

/// Why the monitor asks to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Continue,
    Stagnation,
    Overfitting,
}

/// The part of a [`Monitor`] that changes during a run (what a checkpoint keeps).
#[derive(Clone, Debug)]
pub(crate) struct MonitorState<P> {
    pub best: Option<Snapshot<P>>,
    pub train_best: Option<f64>,
    pub check_best: Option<f64>,
    pub stagnation: usize,
    pub overfitting: usize,
    pub last_check_improved: bool,
}

/// Tracks the best iterate and the early-stopping counters.
pub(crate) struct Monitor<P> {
    threshold: f64,
    interval: usize,
    early: EarlyStopping,
    has_validation: bool,
    pub best: Option<Snapshot<P>>,
    train_best: Option<f64>,
    check_best: Option<f64>,
    stagnation: usize,
    overfitting: usize,
    last_check_improved: bool,
}

impl<P: Tangent> Monitor<P> {
    pub fn new(
        threshold: f64,
        interval: usize,
        early: EarlyStopping,
        has_validation: bool,
    ) -> Self {
        Monitor {
            threshold,
            interval,
            early,
            has_validation,
            best: None,
            train_best: None,
            check_best: None,
            stagnation: 0,
            overfitting: 0,
            last_check_improved: true,
        }
    }

    /// A copy of the changing state (for checkpoints).
    pub fn state(&self) -> MonitorState<P> {
        MonitorState {
            best: self.best.clone(),
            train_best: self.train_best,
            check_best: self.check_best,
            stagnation: self.stagnation,
            overfitting: self.overfitting,
            last_check_improved: self.last_check_improved,
        }
    }

    /// Continues from a state saved by [`Monitor::state`].
    pub fn restore(&mut self, s: MonitorState<P>) {
        self.best = s.best;
        self.train_best = s.train_best;
        self.check_best = s.check_best;
        self.stagnation = s.stagnation;
        self.overfitting = s.overfitting;
        self.last_check_improved = s.last_check_improved;
    }

    fn snapshot(x: &P, value: f64, gradient: &P, criterion: f64) -> Snapshot<P> {
        Snapshot {
            x: x.clone(),
            value,
            gradient: gradient.clone(),
            criterion,
        }
    }

    /// Every iterate: the training loss `value` at `x`.
    pub fn observe(&mut self, x: &P, value: f64, gradient: &P) -> Verdict {
        let improved = match self.train_best {
            None => value.is_finite(),
            Some(b) => improves(value, b, self.threshold),
        };
        if !improved {
            return Verdict::Continue;
        }
        self.train_best = Some(value);
        if !self.has_validation {
            self.best = Some(Self::snapshot(x, value, gradient, value));
            return Verdict::Continue;
        }
        if !self.last_check_improved {
            self.overfitting += 1;
            if let EarlyStopping::Early { overfitting, .. } = self.early {
                if self.overfitting >= overfitting {
                    return Verdict::Overfitting;
                }
            }
        }
        Verdict::Continue
    }

    /// A check (every validation interval): `criterion` is the validation loss, or the
    /// training loss without a validation function.
    pub fn check(&mut self, x: &P, value: f64, gradient: &P, criterion: f64) -> Verdict {
        let improved = match self.check_best {
            None => criterion.is_finite(),
            Some(b) => improves(criterion, b, self.threshold),
        };
        let first = self.check_best.is_none();
        if improved {
            self.check_best = Some(criterion);
            self.stagnation = 0;
            self.last_check_improved = true;
            if self.has_validation {
                self.overfitting = 0;
                self.best = Some(Self::snapshot(x, value, gradient, criterion));
            }
            return Verdict::Continue;
        }
        if first {
            return Verdict::Continue;
        }
        self.last_check_improved = false;
        self.stagnation += self.interval;
        if let EarlyStopping::Early { stagnation, .. } = self.early {
            if self.stagnation >= stagnation {
                return Verdict::Stagnation;
            }
        }
        Verdict::Continue
    }
}
