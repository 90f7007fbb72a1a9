//! Data: readers of IDX (MNIST) and CSV files, minibatches, seeded splits, and the
//! MNIST digits shipped with Hype.
//!
//! * [`idx`] — u8 IDX files (`parse`/`read`/`load` from bytes, streams and paths;
//!   images as `N × pixels` matrices scaled to `[0, 1]` or raw bytes, labels as bytes)
//!   and a writer.
//! * [`csv`] — numeric CSV files with an optional header and label column.
//! * [`Minibatches`] / [`Dataset::minibatches`] — batch indices or batches, in order or
//!   shuffled with a seed, the last partial batch kept or dropped.
//! * [`split_indices`], [`train_val_test`], [`gather_rows`], [`gather`] — seeded splits.
//! * [`mnist`] — the shipped digits: [`mnist::load()`].
//! * [`rng`] — the seeded generator behind every shuffle (same result on every
//!   platform).
//!
//! Malformed input is an `Err(`[`DataError`]`)`, never a panic; no reader allocates a
//! size read from a header before checking it against the bytes actually present.

pub mod batch;
pub mod csv;
pub mod dataset;
pub mod error;
pub mod idx;
pub mod mnist;
pub mod rng;
pub mod split;

pub use batch::{Batches, Minibatches};
pub use csv::{load_csv, parse_csv, read_csv, CsvData, CsvOptions, LabelColumn};
pub use dataset::{argmax_rows, one_hot, Dataset};
pub use error::DataError;
pub use split::{gather, gather_rows, split_indices, train_val_test, Split};
