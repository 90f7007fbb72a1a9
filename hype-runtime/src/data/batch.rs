//! Minibatches: the example indices of each batch of an epoch, in order or shuffled.

use super::dataset::Dataset;
use super::error::DataError;
use super::rng::shuffle;
use ndarray::Axis;

/// An iterator over the minibatches of `n` examples: each item holds the indices of one
/// batch.
///
/// All batches have `batch_size` examples except possibly the last, which holds the
/// remainder; [`drop_last`](Minibatches::drop_last) drops it instead. In order by
/// default; [`shuffled`](Minibatches::shuffled) visits the examples in the permutation
/// that a seed determines. For a new order each epoch, derive the seed from the epoch:
/// [`derive_seed(seed, epoch)`](super::rng::derive_seed).
///
/// ```
/// use hype_runtime::data::Minibatches;
/// let batches: Vec<Vec<usize>> = Minibatches::new(5, 2).unwrap().collect();
/// assert_eq!(batches, vec![vec![0, 1], vec![2, 3], vec![4]]);
/// assert_eq!(Minibatches::new(5, 2).unwrap().drop_last(true).count(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Minibatches {
    order: Vec<usize>,
    batch_size: usize,
    drop_last: bool,
    pos: usize,
}

impl Minibatches {
    /// Batches of `batch_size` over `0..n`, in order, the last partial batch kept.
    /// A `batch_size` of zero is [`ZeroBatchSize`](DataError::ZeroBatchSize).
    pub fn new(n: usize, batch_size: usize) -> Result<Self, DataError> {
        if batch_size == 0 {
            return Err(DataError::ZeroBatchSize);
        }
        Ok(Minibatches {
            order: (0..n).collect(),
            batch_size,
            drop_last: false,
            pos: 0,
        })
    }

    /// Visits the examples in the order of the permutation determined by `seed`.
    pub fn shuffled(mut self, seed: u64) -> Self {
        shuffle(&mut self.order[self.pos..], seed);
        self
    }

    /// Whether a last batch smaller than `batch_size` is dropped.
    pub fn drop_last(mut self, drop: bool) -> Self {
        self.drop_last = drop;
        self
    }

    /// The order in which the remaining examples are visited.
    pub fn order(&self) -> &[usize] {
        &self.order[self.pos..]
    }
}

impl Iterator for Minibatches {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let rest = self.order.len() - self.pos;
        if rest == 0 || (self.drop_last && rest < self.batch_size) {
            return None;
        }
        let end = self.pos + rest.min(self.batch_size);
        let batch = self.order[self.pos..end].to_vec();
        self.pos = end;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let rest = self.order.len() - self.pos;
        let n = if self.drop_last {
            rest / self.batch_size
        } else {
            rest.div_ceil(self.batch_size)
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Minibatches {}

/// The minibatches of a [`Dataset`], each gathered into a `Dataset` of its own (see
/// [`Dataset::minibatches`]).
#[derive(Debug, Clone)]
pub struct Batches<'a> {
    data: &'a Dataset,
    indices: Minibatches,
}

impl<'a> Batches<'a> {
    pub(crate) fn new(data: &'a Dataset, indices: Minibatches) -> Self {
        Batches { data, indices }
    }

    /// See [`Minibatches::shuffled`].
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.indices = self.indices.shuffled(seed);
        self
    }

    /// See [`Minibatches::drop_last`].
    pub fn drop_last(mut self, drop: bool) -> Self {
        self.indices = self.indices.drop_last(drop);
        self
    }
}

impl Iterator for Batches<'_> {
    type Item = Dataset;

    fn next(&mut self) -> Option<Dataset> {
        // The indices are below the number of rows by construction.
        let idx = self.indices.next()?;
        Some(Dataset {
            x: self.data.x.select(Axis(0), &idx),
            y: self.data.y.select(Axis(0), &idx),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.indices.size_hint()
    }
}

impl ExactSizeIterator for Batches<'_> {}
