//! Ranks as threads of one process: a [`Collective`] for tests and for using several
//! cores without MPI. Each thread holds one [`ThreadRank`] of a group made by
//! [`ThreadRank::group`].

use super::collective::Collective;
use super::reduction::sum_in_rank_order;
use std::sync::{Arc, Barrier, Mutex};

struct Shared {
    barrier: Barrier,
    slots: Mutex<Vec<Vec<f64>>>,
}

/// One rank of a group of threads that call the same collectives in lockstep.
#[derive(Clone)]
pub struct ThreadRank {
    rank: usize,
    size: usize,
    shared: Arc<Shared>,
}

impl ThreadRank {
    /// The `size` ranks of a new group (hand one to each thread).
    pub fn group(size: usize) -> Vec<ThreadRank> {
        let size = size.max(1);
        let shared = Arc::new(Shared {
            barrier: Barrier::new(size),
            slots: Mutex::new(vec![Vec::new(); size]),
        });
        (0..size)
            .map(|rank| ThreadRank {
                rank,
                size,
                shared: shared.clone(),
            })
            .collect()
    }
}

impl Collective for ThreadRank {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn all_reduce_sum(&self, buf: &mut [f64]) {
        let all = self.all_gather(buf);
        sum_in_rank_order(&all, buf);
    }
    fn all_gather(&self, send: &[f64]) -> Vec<f64> {
        let lock = || self.shared.slots.lock().unwrap_or_else(|e| e.into_inner());
        lock()[self.rank] = send.to_vec();
        self.shared.barrier.wait();
        let all = lock().concat();
        // Nobody writes the next round's slot before everyone has read this one.
        self.shared.barrier.wait();
        all
    }
    fn broadcast(&self, root: usize, buf: &mut [f64]) {
        let all = self.all_gather(buf);
        let n = buf.len();
        buf.copy_from_slice(&all[root * n..(root + 1) * n]);
    }
}
