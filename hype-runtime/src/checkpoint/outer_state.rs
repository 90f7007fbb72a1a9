//! The full state of the hypergradient outer loop
//! ([`optimize_checkpointed`](crate::hyper::optimize_checkpointed)) after an update.

use super::error::CheckpointError;
use super::record::Record;
use crate::hyper::OuterRecord;
use crate::tangent::Tangent;

const FORMAT: &str = "hype.outer.v1";

/// The loop variables of the outer loop before evaluating iteration `iteration`.
#[derive(Clone, Debug)]
pub(crate) struct OuterState<H> {
    pub iteration: usize,
    pub hyper: H,
    /// The outer optimizer's iteration count and moments.
    pub opt_t: usize,
    pub first: H,
    pub second: H,
    pub history: Vec<OuterRecord>,
    pub best_value: f64,
    pub best: H,
}

impl<H: Tangent> OuterState<H> {
    pub fn encode(&self, fingerprint: &str) -> Record {
        let mut r = Record::new();
        r.set_meta("format", FORMAT);
        r.set_meta("outer", fingerprint);
        r.set_meta("iteration", self.iteration);
        r.set_meta("optimizer_t", self.opt_t);
        r.put_tangent("hyper", &self.hyper);
        r.put_tangent("first_moment", &self.first);
        r.put_tangent("second_moment", &self.second);
        r.put_tangent("best", &self.best);
        r.put_vec("best_value", vec![self.best_value]);
        r.put_vec(
            "history_value",
            self.history.iter().map(|h| h.value).collect(),
        );
        r.put_vec(
            "history_grad_norm",
            self.history.iter().map(|h| h.grad_norm).collect(),
        );
        r
    }

    pub fn decode(
        record: Record,
        template: &H,
        fingerprint: &str,
        iterations: usize,
    ) -> Result<Self, CheckpointError> {
        let mut r = record.reader();
        r.expect_meta("format", FORMAT)?;
        r.expect_meta("outer", fingerprint)?;
        let iteration = r.meta_usize("iteration")?;
        if iteration > iterations {
            return Err(CheckpointError::Metadata {
                key: "iteration".to_string(),
                problem: format!("{iteration} is past the {iterations} outer iterations"),
            });
        }
        let values = r.take("history_value", iteration)?;
        let norms = r.take("history_grad_norm", iteration)?;
        let history = values
            .iter()
            .zip(&norms)
            .enumerate()
            .map(|(i, (&value, &grad_norm))| OuterRecord {
                iteration: i,
                value,
                grad_norm,
            })
            .collect();
        let s = OuterState {
            iteration,
            hyper: r.take_tangent("hyper", template)?,
            opt_t: r.meta_usize("optimizer_t")?,
            first: r.take_tangent("first_moment", template)?,
            second: r.take_tangent("second_moment", template)?,
            history,
            best_value: r.take("best_value", 1)?[0],
            best: r.take_tangent("best", template)?,
        };
        r.finish()?;
        Ok(s)
    }
}
