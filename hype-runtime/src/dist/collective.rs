//! The three collective operations that data-parallel training needs, behind one
//! small trait: MPI implements it ([`Mpi`](super::Mpi), feature `mpi`), and so does a
//! single process ([`SingleProcess`]), so the same code runs with or without MPI.

/// A group of `size` processes that run the same program in lockstep. Every rank must
/// call the same operations in the same order with buffers of the same length.
pub trait Collective {
    /// This process's index, `0..size`.
    fn rank(&self) -> usize;
    /// Number of processes.
    fn size(&self) -> usize;
    /// Replaces `buf` on every rank by the elementwise sum of all ranks' `buf` (in the
    /// order the implementation chooses).
    fn all_reduce_sum(&self, buf: &mut [f64]);
    /// Every rank's `send` (of the same length), concatenated in rank order.
    fn all_gather(&self, send: &[f64]) -> Vec<f64>;
    /// Copies `buf` of rank `root` into `buf` on every rank.
    fn broadcast(&self, root: usize, buf: &mut [f64]);
}

/// One process alone: every collective is the identity.
#[derive(Clone, Copy, Debug, Default)]
pub struct SingleProcess;

impl Collective for SingleProcess {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_reduce_sum(&self, _buf: &mut [f64]) {}
    fn all_gather(&self, send: &[f64]) -> Vec<f64> {
        send.to_vec()
    }
    fn broadcast(&self, _root: usize, _buf: &mut [f64]) {}
}
