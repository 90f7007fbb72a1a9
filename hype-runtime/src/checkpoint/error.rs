//! What can be wrong with a checkpoint file.

use std::fmt;

/// Why a checkpoint could not be written or read. Every malformed file gives one of
/// these (never a panic); the message names the file's part that is wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckpointError {
    /// The file system refused (`op` is what was attempted).
    Io {
        /// `"create"`, `"write"`, `"sync"`, `"rename"`, `"read"`, ...
        op: &'static str,
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The bytes are not a safetensors file (truncated, bad header length, bad JSON,
    /// offsets that do not cover the data, sizes that overflow).
    Format(String),
    /// A tensor is stored with another element type than `F64`.
    Dtype {
        /// The tensor.
        tensor: String,
        /// Its stored element type.
        found: String,
    },
    /// A tensor has another number of values than the run needs.
    Shape {
        /// The tensor.
        tensor: String,
        /// Values the run needs.
        expected: usize,
        /// Values stored.
        found: usize,
    },
    /// A tensor that the run needs is not in the file.
    Missing(String),
    /// The file holds a tensor that the run does not know.
    Extra(String),
    /// A metadata entry is missing or unreadable.
    Metadata {
        /// The entry's key.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The checkpoint was written by a run with another configuration.
    Mismatch {
        /// The setting that differs.
        what: String,
        /// Its value in the checkpoint.
        checkpoint: String,
        /// Its value in this run.
        run: String,
    },
    /// A checkpoint setting is out of range (e.g. saving every 0 steps).
    InvalidArgument(String),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Io { op, path, message } => {
                write!(f, "checkpoint: cannot {op} {path}: {message}")
            }
            CheckpointError::Format(m) => {
                write!(f, "checkpoint: not a valid safetensors file: {m}")
            }
            CheckpointError::Dtype { tensor, found } => write!(
                f,
                "checkpoint: tensor `{tensor}` has dtype {found}, expected F64"
            ),
            CheckpointError::Shape {
                tensor,
                expected,
                found,
            } => write!(
                f,
                "checkpoint: tensor `{tensor}` has {found} values, the run needs {expected}"
            ),
            CheckpointError::Missing(t) => write!(f, "checkpoint: tensor `{t}` is missing"),
            CheckpointError::Extra(t) => {
                write!(
                    f,
                    "checkpoint: unexpected tensor `{t}` (not part of this state)"
                )
            }
            CheckpointError::Metadata { key, problem } => {
                write!(f, "checkpoint: metadata `{key}`: {problem}")
            }
            CheckpointError::Mismatch {
                what,
                checkpoint,
                run,
            } => write!(
                f,
                "checkpoint: written with {what} = {checkpoint}, this run has {run}"
            ),
            CheckpointError::InvalidArgument(m) => write!(f, "checkpoint: {m}"),
        }
    }
}

impl std::error::Error for CheckpointError {}

impl From<safetensors::SafeTensorError> for CheckpointError {
    fn from(e: safetensors::SafeTensorError) -> Self {
        use safetensors::SafeTensorError as E;
        let m = match e {
            E::HeaderTooSmall => "shorter than the 8-byte header length".to_string(),
            E::HeaderTooLarge => "declared header length over 100 MB".to_string(),
            E::InvalidHeaderLength => {
                "declared header length runs past the end of the file".to_string()
            }
            E::InvalidHeader => "header is not UTF-8".to_string(),
            E::InvalidHeaderStart => "header does not start with `{`".to_string(),
            E::InvalidHeaderDeserialization => "header is not valid safetensors JSON".to_string(),
            E::MetadataIncompleteBuffer => {
                "tensor data does not end where the file ends (truncated or padded)".to_string()
            }
            E::InvalidOffset(t) => {
                format!("tensor `{t}` has offsets that do not follow the previous tensor")
            }
            E::TensorInvalidInfo => {
                "a tensor's shape and dtype do not match its byte range".to_string()
            }
            E::ValidationOverflow => "a tensor's declared size overflows".to_string(),
            other => format!("{other:?}"),
        };
        CheckpointError::Format(m)
    }
}
