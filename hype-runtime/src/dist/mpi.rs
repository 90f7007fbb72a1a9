//! The [`Collective`] of an MPI job (feature `mpi`): rsmpi's world communicator.

use super::collective::Collective;
use mpi::collective::{CommunicatorCollectives, Root, SystemOperation};
use mpi::environment::Universe;
use mpi::topology::{Communicator, SimpleCommunicator};

/// The processes of an MPI job (`mpirun -np N program`). Dropping it finalizes MPI.
pub struct Mpi {
    // Declared before the universe: the communicator is freed before MPI finalizes.
    world: SimpleCommunicator,
    _universe: Universe,
}

impl Mpi {
    /// Initializes MPI; `None` when it was already initialized in this process.
    /// Outside `mpirun` this is a job of one process.
    pub fn init() -> Option<Mpi> {
        let universe = mpi::initialize()?;
        Some(Mpi {
            world: universe.world(),
            _universe: universe,
        })
    }

    /// Waits until every rank has called it.
    pub fn barrier(&self) {
        self.world.barrier();
    }
}

impl Collective for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }
    fn size(&self) -> usize {
        self.world.size() as usize
    }
    fn all_reduce_sum(&self, buf: &mut [f64]) {
        let send = buf.to_vec();
        self.world
            .all_reduce_into(&send[..], buf, SystemOperation::sum());
    }
    fn all_gather(&self, send: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; send.len() * self.size()];
        self.world.all_gather_into(send, &mut out[..]);
        out
    }
    fn broadcast(&self, root: usize, buf: &mut [f64]) {
        self.world.process_at_rank(root as i32).broadcast_into(buf);
    }
}
