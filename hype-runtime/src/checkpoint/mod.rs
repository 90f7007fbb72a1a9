//! Checkpoints that lose nothing: the full state of a long run (parameters, optimizer
//! state, position in the data, histories, early-stopping state) in a safetensors
//! file, so PyTorch and JAX users can read the weights.
//!
//! * [`save_model`] / [`load_model`]: any [`Tangent`](crate::Tangent) value as one
//!   `F64` tensor.
//! * [`TrainParams::checkpoint`](crate::optim::TrainParams::checkpoint): `train` saves
//!   every `k` iterations and resumes from the file when it exists;
//!   [`optimize_checkpointed`](crate::hyper::optimize_checkpointed) does the same for
//!   the hypergradient outer loop. A resumed run ends bit-identical to one that was
//!   never interrupted.
//! * Writes go to a temporary file that is synced and renamed over the target
//!   ([`file::write_atomic`]): a process killed mid-write leaves the previous
//!   checkpoint intact.
//! * Reading is strict ([`record::Reader`]): a truncated file, a bad header length, a
//!   wrong dtype, a tensor of the wrong size, a missing or extra tensor, a bad
//!   metadata entry or a checkpoint of another configuration is a [`CheckpointError`]
//!   that names it; nothing is allocated from a size the file declares without the
//!   bytes being there.
//!
//! ```
//! use hype_runtime::checkpoint::{load_model, save_model};
//! use ndarray::array;
//!
//! let path = std::env::temp_dir().join(format!("hype-doc-{}.safetensors", std::process::id()));
//! let w = (array![[1.0, 2.0], [3.0, 4.0]], 0.5);
//! save_model(&path, &w).unwrap();
//! assert_eq!(load_model(&path, &w).unwrap(), w);
//! // A model of another size is an error naming the tensor and both sizes.
//! let e = load_model(&path, &(array![[1.0, 2.0]], 0.5)).unwrap_err();
//! assert_eq!(e.to_string(), "checkpoint: tensor `model` has 5 values, the run needs 3");
//! std::fs::remove_file(&path).unwrap();
//! ```

pub mod error;
pub mod file;
mod model;
pub(crate) mod outer_state;
mod policy;
pub mod record;
pub(crate) mod train_state;

pub use error::CheckpointError;
pub use model::{load_model, save_model, MODEL_TENSOR};
pub use policy::CheckpointPolicy;
pub use record::{Reader, Record};
