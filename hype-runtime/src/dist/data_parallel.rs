//! Data-parallel training: every rank holds the same model, reads its shard of every
//! batch, and the gradients are summed over ranks, so that every rank takes the same
//! step as one process on the whole batch.
//!
//! The batch loss is a mean over the batch's `B` rows. Rank `r` reads the rows
//! [`shard_range`]`(B, r, N)` (`b_r` of them) and contributes `(b_r / B) ·
//! (loss, gradient)` of its shard; the sum over ranks is the loss and gradient of
//! the whole batch (up to the order of additions). Everything else (the update, the
//! schedule, momentum, Adam, early stopping, checkpoints) is [`optim::train`]
//! itself, run identically on every rank.

use super::collective::Collective;
use super::reduction::{reduce_sum, sum_in_rank_order, Reduction};
use super::shard::shard_range;
use crate::data::Dataset;
use crate::optim::{train, train_validated, TrainError, TrainParams, TrainResult};
use crate::tangent::Tangent;
use ndarray::{s, ArrayView2};

/// Rank `rank`'s share of the batch `(x, y)`: `[(b_r / B) loss, (b_r / B) gradient]`
/// as one flat buffer (zeros for a rank without rows).
fn contribution<M, L>(
    loss: &L,
    m: &M,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    rank: usize,
    size: usize,
) -> Vec<f64>
where
    M: Tangent,
    L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M),
{
    let rows = shard_range(x.nrows(), rank, size);
    let mut buf = Vec::with_capacity(1 + m.flat_len());
    if rows.is_empty() {
        buf.resize(1 + m.flat_len(), 0.0);
        return buf;
    }
    let weight = rows.len() as f64 / x.nrows() as f64;
    let (l, mut g) = loss(m, x.slice(s![rows.clone(), ..]), y.slice(s![rows, ..]));
    g.scale(weight);
    buf.push(weight * l);
    g.write_flat(&mut buf);
    buf
}

fn unpack<M: Tangent>(m: &M, buf: &[f64]) -> (f64, M) {
    let mut pos = 1;
    (buf[0], m.read_flat(buf, &mut pos))
}

/// Data-parallel training over a communicator.
#[derive(Clone, Copy, Debug)]
pub struct DataParallel<'c, C: ?Sized> {
    comm: &'c C,
    reduction: Reduction,
}

impl<'c, C: Collective + ?Sized> DataParallel<'c, C> {
    /// Data parallelism over `comm`, summing with `reduction`.
    pub fn new(comm: &'c C, reduction: Reduction) -> Self {
        DataParallel { comm, reduction }
    }

    /// The batch loss of the whole batch from each rank's shard: wraps a per-batch
    /// `loss(m, x, y) -> (mean loss, gradient)` so that every rank returns the loss and
    /// gradient of all the rows it is given, computing only on its own shard and
    /// all-reducing one buffer of `1 + flat_len` values per call.
    pub fn loss<M, L>(
        &self,
        loss: L,
    ) -> impl Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M) + 'c
    where
        M: Tangent,
        L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M) + 'c,
    {
        let (comm, reduction) = (self.comm, self.reduction);
        move |m: &M, x: ArrayView2<f64>, y: ArrayView2<f64>| {
            let mut buf = contribution(&loss, m, x, y, comm.rank(), comm.size());
            reduce_sum(comm, reduction, &mut buf);
            unpack(m, &buf)
        }
    }

    /// [`optim::train`](crate::optim::train) with the data-parallel [`loss`](Self::loss):
    /// every rank must call it with the same model, data and parameters; the
    /// trained model is the same on every rank. (With a checkpoint, give each rank
    /// its own path, e.g. with the rank in the name.)
    pub fn train<M, L>(
        &self,
        model: &mut M,
        data: &Dataset,
        params: &TrainParams,
        loss: L,
    ) -> Result<TrainResult, TrainError>
    where
        M: Tangent,
        L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M) + 'c,
    {
        train(model, data, params, self.loss(loss))
    }

    /// [`optim::train_validated`](crate::optim::train_validated), data-parallel (the
    /// validation loss too).
    pub fn train_validated<M, L>(
        &self,
        model: &mut M,
        data: &Dataset,
        validation: &Dataset,
        params: &TrainParams,
        loss: L,
    ) -> Result<TrainResult, TrainError>
    where
        M: Tangent,
        L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M) + 'c,
    {
        train_validated(model, data, validation, params, self.loss(loss))
    }
}

/// In one process, the loss that `ranks` ranks compute with
/// [`Reduction::RankOrder`]: the same shards, weights and order of additions, so
/// that training with it is bit-identical to data-parallel training on `ranks`
/// processes. (With `ranks = 1` it is `loss` itself.)
pub fn emulated_loss<M, L>(
    ranks: usize,
    loss: L,
) -> impl Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M)
where
    M: Tangent,
    L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M),
{
    move |m: &M, x: ArrayView2<f64>, y: ArrayView2<f64>| {
        let parts: Vec<f64> = (0..ranks.max(1))
            .flat_map(|r| contribution(&loss, m, x, y, r, ranks.max(1)))
            .collect();
        let mut buf = vec![0.0; 1 + m.flat_len()];
        sum_in_rank_order(&parts, &mut buf);
        unpack(m, &buf)
    }
}
