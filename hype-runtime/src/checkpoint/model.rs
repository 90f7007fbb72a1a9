//! Saving and loading one [`Tangent`] value (a model's parameters) on its own.

use super::error::CheckpointError;
use super::file;
use super::record::Record;
use crate::tangent::Tangent;
use std::path::Path;

/// The tensor name under which [`save_model`] stores the parameters.
pub const MODEL_TENSOR: &str = "model";

/// Saves `model` atomically as one `F64` tensor `model` (its flat vector: fields in
/// declaration order, arrays row-major), readable by any safetensors reader.
pub fn save_model<M: Tangent>(path: &Path, model: &M) -> Result<(), CheckpointError> {
    let mut r = Record::new();
    r.put_tangent(MODEL_TENSOR, model);
    r.set_meta("format", "hype.model.v1");
    file::save(path, &r)
}

/// Loads parameters saved by [`save_model`] into a value shaped like `template`.
pub fn load_model<M: Tangent>(path: &Path, template: &M) -> Result<M, CheckpointError> {
    let mut r = file::load(path)?.reader();
    r.expect_meta("format", "hype.model.v1")?;
    let m = r.take_tangent(MODEL_TENSOR, template)?;
    r.finish()?;
    Ok(m)
}
