//! Where and how often a long run saves its state.

use super::error::CheckpointError;
use std::path::PathBuf;

/// Save the run's full state to `path` every `every` steps (training iterations or
/// outer iterations), and resume from `path` when it exists at the start of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointPolicy {
    /// The checkpoint file (safetensors); written through a temporary file beside it.
    pub path: PathBuf,
    /// Steps between saves (at least 1).
    pub every: usize,
}

impl CheckpointPolicy {
    /// Save to `path` every `every` steps.
    pub fn new(path: impl Into<PathBuf>, every: usize) -> Self {
        CheckpointPolicy {
            path: path.into(),
            every,
        }
    }

    /// Errors when `every` is 0.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.every == 0 {
            return Err(CheckpointError::InvalidArgument(
                "save every 0 steps: use at least 1".to_string(),
            ));
        }
        Ok(())
    }

    /// Whether the run saves after step count `t` (counted from 1).
    pub fn due(&self, t: usize) -> bool {
        t > 0 && t % self.every == 0
    }
}
