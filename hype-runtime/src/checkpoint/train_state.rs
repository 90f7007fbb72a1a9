//! The full state of [`optim::train`](crate::optim::train) between two iterations:
//! what it takes to continue bit for bit as if the run had never stopped.
//!
//! The batch order needs no generator state: epoch `e` visits its batches in the
//! permutation of `derive_seed(seed, e)`, so the epoch, the number of batches done in
//! it and the seed (checked against the run's) determine every batch to come.

use super::error::CheckpointError;
use super::record::{Reader, Record};
use crate::optim::early_stopping::{MonitorState, Snapshot};
use crate::optim::step::StepState;
use crate::tangent::Tangent;

const FORMAT: &str = "hype.train.v1";

/// The loop variables of `train` after `step.t` updates.
#[derive(Clone, Debug)]
pub(crate) struct TrainState<M> {
    pub model: M,
    pub step: StepState<M>,
    /// The epoch in progress (from 0).
    pub epoch: usize,
    /// Batches of that epoch already used.
    pub batches_done: usize,
    /// The running sum of batch loss × batch size of that epoch, and the examples.
    pub epoch_sum: f64,
    pub epoch_count: usize,
    pub loss_history: Vec<f64>,
    pub epoch_losses: Vec<f64>,
    pub validation_history: Vec<(usize, f64)>,
    pub last_batch: Option<Vec<usize>>,
    pub monitor: MonitorState<M>,
}

/// The settings a checkpoint must agree with to be resumed: `(key, value)`.
pub(crate) type Fingerprint = Vec<(&'static str, String)>;

fn option(o: Option<f64>) -> Vec<f64> {
    o.into_iter().collect()
}

/// An index stored as `f64`: integral and below `bound`.
fn index(tensor: &str, v: f64, bound: usize) -> Result<usize, CheckpointError> {
    if v >= 0.0 && v.fract() == 0.0 && v < bound as f64 {
        Ok(v as usize)
    } else {
        Err(CheckpointError::Metadata {
            key: tensor.to_string(),
            problem: format!("{v} is not an index below {bound}"),
        })
    }
}

impl<M: Tangent> TrainState<M> {
    pub fn encode(&self, fingerprint: &Fingerprint) -> Record {
        let mut r = Record::new();
        r.set_meta("format", FORMAT);
        for (k, v) in fingerprint {
            r.set_meta(k, v);
        }
        r.set_meta("t", self.step.t);
        r.set_meta("epoch", self.epoch);
        r.set_meta("batches_done", self.batches_done);
        r.set_meta("epoch_count", self.epoch_count);
        let m = &self.monitor;
        r.set_meta("stagnation", m.stagnation);
        r.set_meta("overfitting", m.overfitting);
        r.set_meta("last_check_improved", u8::from(m.last_check_improved));
        r.put_tangent("model", &self.model);
        r.put_tangent("velocity", &self.step.velocity);
        r.put_tangent("first_moment", &self.step.first_moment);
        r.put_tangent("second_moment", &self.step.second_moment);
        r.put_vec("epoch_sum", vec![self.epoch_sum]);
        r.put_vec("loss_history", self.loss_history.clone());
        r.put_vec("epoch_losses", self.epoch_losses.clone());
        let (vt, vl): (Vec<f64>, Vec<f64>) = self
            .validation_history
            .iter()
            .map(|&(t, l)| (t as f64, l))
            .unzip();
        r.put_vec("validation_t", vt);
        r.put_vec("validation_loss", vl);
        let last: Vec<f64> = self
            .last_batch
            .iter()
            .flatten()
            .map(|&i| i as f64)
            .collect();
        r.put_vec("last_batch", last);
        r.put_vec("train_best", option(m.train_best));
        r.put_vec("check_best", option(m.check_best));
        match &m.best {
            Some(b) => {
                r.put_vec("best_scalars", vec![b.value, b.criterion]);
                r.put_tangent("best_x", &b.x);
                r.put_tangent("best_gradient", &b.gradient);
            }
            None => r.put_vec("best_scalars", vec![]),
        }
        r
    }

    /// Reads a state for a model shaped like `template`, a run with `fingerprint` on
    /// `data_len` examples.
    pub fn decode(
        record: Record,
        template: &M,
        fingerprint: &Fingerprint,
        data_len: usize,
    ) -> Result<Self, CheckpointError> {
        let mut r: Reader = record.reader();
        r.expect_meta("format", FORMAT)?;
        for (k, v) in fingerprint {
            r.expect_meta(k, v)?;
        }
        let t = r.meta_usize("t")?;
        let model = r.take_tangent("model", template)?;
        let step = StepState {
            t,
            velocity: r.take_tangent("velocity", template)?,
            first_moment: r.take_tangent("first_moment", template)?,
            second_moment: r.take_tangent("second_moment", template)?,
        };
        let epoch_sum = r.take("epoch_sum", 1)?[0];
        let loss_history = r.take_any("loss_history")?;
        if loss_history.len() != t {
            return Err(CheckpointError::Shape {
                tensor: "loss_history".to_string(),
                expected: t,
                found: loss_history.len(),
            });
        }
        let epoch_losses = r.take_any("epoch_losses")?;
        let vt = r.take_any("validation_t")?;
        let vl = r.take("validation_loss", vt.len())?;
        let mut validation_history = Vec::with_capacity(vt.len());
        for (&k, &l) in vt.iter().zip(&vl) {
            validation_history.push((index("validation_t", k, t + 1)?, l));
        }
        let last = r.take_any("last_batch")?;
        let last_batch = if last.is_empty() {
            None
        } else {
            let idx: Result<Vec<usize>, _> = last
                .iter()
                .map(|&v| index("last_batch", v, data_len))
                .collect();
            Some(idx?)
        };
        let train_best = r.take_option("train_best")?;
        let check_best = r.take_option("check_best")?;
        let scalars = r.take_any("best_scalars")?;
        let best = match scalars.len() {
            0 => None,
            2 => Some(Snapshot {
                x: r.take_tangent("best_x", template)?,
                value: scalars[0],
                gradient: r.take_tangent("best_gradient", template)?,
                criterion: scalars[1],
            }),
            n => {
                return Err(CheckpointError::Shape {
                    tensor: "best_scalars".to_string(),
                    expected: 2,
                    found: n,
                })
            }
        };
        let flag = r.meta_usize("last_check_improved")?;
        if flag > 1 {
            return Err(CheckpointError::Metadata {
                key: "last_check_improved".to_string(),
                problem: format!("{flag} is not 0 or 1"),
            });
        }
        let state = TrainState {
            model,
            step,
            epoch: r.meta_usize("epoch")?,
            batches_done: r.meta_usize("batches_done")?,
            epoch_sum,
            epoch_count: r.meta_usize("epoch_count")?,
            loss_history,
            epoch_losses,
            validation_history,
            last_batch,
            monitor: MonitorState {
                best,
                train_best,
                check_best,
                stagnation: r.meta_usize("stagnation")?,
                overfitting: r.meta_usize("overfitting")?,
                last_check_improved: flag == 1,
            },
        };
        r.finish()?;
        Ok(state)
    }
}
