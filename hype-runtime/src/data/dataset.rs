//! A supervised data set: inputs and targets, one example per row.

use super::batch::{Batches, Minibatches};
use super::error::DataError;
use super::split::{gather_rows, split_indices};
use ndarray::Array2;

/// Inputs `x` and targets `y` with one example per row (`x.nrows() == y.nrows()`,
/// checked by [`Dataset::new`] and by every method that relies on it). For
/// classification, `y` is usually [`one_hot`].
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
}

impl Dataset {
    /// A data set, checked to have as many target rows as input rows.
    pub fn new(x: Array2<f64>, y: Array2<f64>) -> Result<Self, DataError> {
        let d = Dataset { x, y };
        d.check()?;
        Ok(d)
    }

    fn check(&self) -> Result<(), DataError> {
        if self.x.nrows() != self.y.nrows() {
            return Err(DataError::RowMismatch {
                inputs: self.x.nrows(),
                targets: self.y.nrows(),
            });
        }
        Ok(())
    }

    /// A classification data set: targets are the one-hot encoding of `labels`.
    pub fn classification<T: Copy + Into<usize>>(
        x: Array2<f64>,
        labels: &[T],
        classes: usize,
    ) -> Result<Self, DataError> {
        let y = one_hot(labels, classes)?;
        Dataset::new(x, y)
    }

    /// The number of examples.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.x.nrows() == 0
    }

    /// The examples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Result<Dataset, DataError> {
        self.check()?;
        Ok(Dataset {
            x: gather_rows(&self.x, indices)?,
            y: gather_rows(&self.y, indices)?,
        })
    }

    /// Splits the examples into parts of the given fractions, shuffled by `seed` when
    /// given (see [`split_indices`]).
    pub fn split(&self, fractions: &[f64], seed: Option<u64>) -> Result<Vec<Dataset>, DataError> {
        self.check()?;
        split_indices(self.len(), fractions, seed)?
            .iter()
            .map(|part| self.select(part))
            .collect()
    }

    /// Minibatches of `batch_size` examples, in order, the last partial batch kept;
    /// chain `.shuffled(seed)` and `.drop_last(true)` to change that.
    pub fn minibatches(&self, batch_size: usize) -> Result<Batches<'_>, DataError> {
        self.check()?;
        Ok(Batches::new(
            self,
            Minibatches::new(self.len(), batch_size)?,
        ))
    }
}

/// The one-hot encoding of class labels: row `i` is 1 at column `labels[i]`, 0
/// elsewhere. A label not below `classes` is
/// [`LabelOutOfRange`](DataError::LabelOutOfRange).
pub fn one_hot<T: Copy + Into<usize>>(
    labels: &[T],
    classes: usize,
) -> Result<Array2<f64>, DataError> {
    if let Some((index, label)) = labels
        .iter()
        .map(|&l| l.into())
        .enumerate()
        .find(|&(_, l)| l >= classes)
    {
        return Err(DataError::LabelOutOfRange {
            index,
            label,
            classes,
        });
    }
    let fits = labels
        .len()
        .checked_mul(classes)
        .and_then(|c| c.checked_mul(std::mem::size_of::<f64>()))
        .is_some_and(|bytes| bytes <= isize::MAX as usize);
    if !fits {
        return Err(DataError::DimensionOverflow {
            dims: vec![labels.len(), classes],
        });
    }
    let mut y = Array2::zeros((labels.len(), classes));
    for (i, &l) in labels.iter().enumerate() {
        y[[i, l.into()]] = 1.0;
    }
    Ok(y)
}

/// The class of each row of `y`: the column of its largest entry (the first on ties).
/// The inverse of [`one_hot`], and the prediction of a classifier's scores.
pub fn argmax_rows(y: &Array2<f64>) -> Vec<usize> {
    y.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (j, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}
