//! How contributions of the ranks are summed.

use super::collective::Collective;

/// The order of the sum over ranks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The communicator's all-reduce (MPI picks the algorithm and so the order of the
    /// additions; for two ranks `a + b` is exact whatever the order). Moves the least
    /// data: about `2 (N-1)/N` times the buffer per rank for a ring.
    #[default]
    AllReduce,
    /// All-gather, then every rank adds the contributions in rank order:
    /// `((c_0 + c_1) + c_2) + ...`. Bit-identical to the one-process emulation
    /// ([`emulated_loss`](super::emulated_loss)) for any number of ranks, at `N`
    /// times the buffer per rank.
    RankOrder,
}

/// `buf` ← the sum over ranks of `buf`, in the order `reduction` fixes.
pub fn reduce_sum<C: Collective + ?Sized>(comm: &C, reduction: Reduction, buf: &mut [f64]) {
    match reduction {
        Reduction::AllReduce => comm.all_reduce_sum(buf),
        Reduction::RankOrder => {
            let all = comm.all_gather(buf);
            sum_in_rank_order(&all, buf);
        }
    }
}

/// `out` ← `parts[0] + parts[1] + ...` (consecutive blocks of `out.len()` values),
/// added left to right.
pub(crate) fn sum_in_rank_order(parts: &[f64], out: &mut [f64]) {
    let n = out.len();
    if n == 0 {
        return;
    }
    out.copy_from_slice(&parts[..n]);
    for part in parts[n..].chunks_exact(n) {
        for (o, p) in out.iter_mut().zip(part) {
            *o += p;
        }
    }
}
