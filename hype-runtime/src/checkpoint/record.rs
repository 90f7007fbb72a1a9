//! A checkpoint's content: named `F64` tensors and string metadata, encoded as a
//! safetensors file.
//!
//! Reading is strict: [`Reader`] hands out each tensor once, with the number of
//! values the caller expects, and [`Reader::finish`] refuses tensors nobody asked
//! for. Every allocation is sized by bytes that are actually in the file (the
//! safetensors crate checks the header length and every tensor's offsets against the
//! buffer before anything is read).

use super::error::CheckpointError;
use crate::tangent::Tangent;
use safetensors::tensor::{Dtype, SafeTensors, TensorInfo, TensorView};
use std::collections::{BTreeMap, HashMap};

/// Tensors (flattened, row-major, `f64`) and metadata, in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    tensors: Vec<(String, Vec<usize>, Vec<f64>)>,
    meta: BTreeMap<String, String>,
}

impl Record {
    /// An empty record.
    pub fn new() -> Self {
        Record::default()
    }

    /// Adds a tensor of `shape` (its product must be `data.len()`).
    pub fn put(&mut self, name: &str, shape: Vec<usize>, data: Vec<f64>) {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        self.tensors.push((name.to_string(), shape, data));
    }

    /// Adds a vector of `data.len()` values.
    pub fn put_vec(&mut self, name: &str, data: Vec<f64>) {
        let n = data.len();
        self.put(name, vec![n], data);
    }

    /// Adds any [`Tangent`] value as its flat vector.
    pub fn put_tangent<T: Tangent>(&mut self, name: &str, x: &T) {
        let mut v = Vec::with_capacity(x.flat_len());
        x.write_flat(&mut v);
        self.put_vec(name, v);
    }

    /// Removes the tensor `name`, returning its shape and values.
    pub fn remove(&mut self, name: &str) -> Option<(Vec<usize>, Vec<f64>)> {
        let i = self.tensors.iter().position(|(n, _, _)| n == name)?;
        let (_, shape, data) = self.tensors.remove(i);
        Some((shape, data))
    }

    /// The tensor names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.tensors.iter().map(|(n, _, _)| n.as_str()).collect()
    }

    /// Adds a metadata entry (safetensors' `__metadata__`).
    pub fn set_meta(&mut self, key: &str, value: impl ToString) {
        self.meta.insert(key.to_string(), value.to_string());
    }

    /// The safetensors bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        let bytes: Vec<Vec<u8>> = self
            .tensors
            .iter()
            .map(|(_, _, d)| d.iter().flat_map(|v| v.to_le_bytes()).collect())
            .collect();
        let mut views = Vec::with_capacity(self.tensors.len());
        for ((name, shape, _), b) in self.tensors.iter().zip(&bytes) {
            views.push((
                name.as_str(),
                TensorView::new(Dtype::F64, shape.clone(), b)?,
            ));
        }
        let meta: HashMap<String, String> = self.meta.clone().into_iter().collect();
        Ok(safetensors::serialize(views, &Some(meta))?)
    }

    /// Parses safetensors bytes: every tensor must be `F64`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Record, CheckpointError> {
        // Checks the header length, the JSON and every tensor's byte range against the
        // buffer before anything is allocated from them.
        let (n, header) = SafeTensors::read_metadata(bytes)?;
        let data = &bytes[8 + n..];
        let meta: BTreeMap<String, String> = header
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let mut infos: Vec<(String, &TensorInfo)> = header.tensors().into_iter().collect();
        infos.sort_by(|a, b| a.0.cmp(&b.0));
        let mut tensors = Vec::with_capacity(infos.len());
        for (name, info) in infos {
            if info.dtype != Dtype::F64 {
                return Err(CheckpointError::Dtype {
                    tensor: name,
                    found: format!("{:?}", info.dtype),
                });
            }
            let (start, end) = info.data_offsets;
            let values: Vec<f64> = data[start..end]
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("chunks of 8 bytes")))
                .collect();
            tensors.push((name, info.shape.clone(), values));
        }
        Ok(Record { tensors, meta })
    }

    /// A strict reader of this record's content.
    pub fn reader(self) -> Reader {
        Reader {
            tensors: self.tensors.into_iter().map(|(n, _, d)| (n, d)).collect(),
            meta: self.meta,
        }
    }
}

/// Takes tensors and metadata out of a [`Record`], checking each against what the
/// caller needs.
#[derive(Debug)]
pub struct Reader {
    tensors: BTreeMap<String, Vec<f64>>,
    meta: BTreeMap<String, String>,
}

impl Reader {
    /// The tensor `name`, which must hold exactly `len` values.
    pub fn take(&mut self, name: &str, len: usize) -> Result<Vec<f64>, CheckpointError> {
        let v = self.take_any(name)?;
        if v.len() != len {
            return Err(CheckpointError::Shape {
                tensor: name.to_string(),
                expected: len,
                found: v.len(),
            });
        }
        Ok(v)
    }

    /// The tensor `name`, whatever its length (histories).
    pub fn take_any(&mut self, name: &str) -> Result<Vec<f64>, CheckpointError> {
        self.tensors
            .remove(name)
            .ok_or_else(|| CheckpointError::Missing(name.to_string()))
    }

    /// The tensor `name` as a value shaped like `template`.
    pub fn take_tangent<T: Tangent>(
        &mut self,
        name: &str,
        template: &T,
    ) -> Result<T, CheckpointError> {
        let v = self.take(name, template.flat_len())?;
        let mut pos = 0;
        Ok(template.read_flat(&v, &mut pos))
    }

    /// An optional scalar stored as a tensor of 0 or 1 values.
    pub fn take_option(&mut self, name: &str) -> Result<Option<f64>, CheckpointError> {
        let v = self.take_any(name)?;
        match v.len() {
            0 => Ok(None),
            1 => Ok(Some(v[0])),
            n => Err(CheckpointError::Shape {
                tensor: name.to_string(),
                expected: 1,
                found: n,
            }),
        }
    }

    /// The metadata entry `key` as text.
    pub fn meta(&self, key: &str) -> Result<&str, CheckpointError> {
        self.meta
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| CheckpointError::Metadata {
                key: key.to_string(),
                problem: "missing".to_string(),
            })
    }

    /// The metadata entry `key` as an unsigned integer.
    pub fn meta_usize(&self, key: &str) -> Result<usize, CheckpointError> {
        let s = self.meta(key)?;
        s.parse().map_err(|_| CheckpointError::Metadata {
            key: key.to_string(),
            problem: format!("`{s}` is not an unsigned integer"),
        })
    }

    /// Checks that the metadata entry `key` equals this run's `value`.
    pub fn expect_meta(&self, key: &str, value: &str) -> Result<(), CheckpointError> {
        let s = self.meta(key)?;
        if s != value {
            return Err(CheckpointError::Mismatch {
                what: key.to_string(),
                checkpoint: s.to_string(),
                run: value.to_string(),
            });
        }
        Ok(())
    }

    /// Ends reading: an error names the first tensor nobody took.
    pub fn finish(self) -> Result<(), CheckpointError> {
        match self.tensors.into_keys().next() {
            Some(name) => Err(CheckpointError::Extra(name)),
            None => Ok(()),
        }
    }
}
