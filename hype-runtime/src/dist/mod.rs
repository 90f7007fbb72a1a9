//! Beyond one machine: data-parallel training and hypergradients, and a parallel
//! outer search, over a [`Collective`] — MPI (`Mpi`, cargo feature `mpi`, Open MPI
//! through the `mpi` crate), threads of one process ([`ThreadRank`]) or a
//! [`SingleProcess`].
//!
//! * [`DataParallel`]: [`optim::train`](crate::optim::train) where each rank reads its
//!   [`shard_range`] of every minibatch and the gradients are all-reduced; the
//!   parameters stay identical on every rank and equal those of one process on the
//!   same global batches (to rounding; bit for bit with [`Reduction::RankOrder`]
//!   against [`emulated_loss`]).
//! * [`AllReduced`], [`AllReducedValidation`]: a training (validation) loss that is a
//!   sum over ranks, for the hypergradient drivers ([`hyper::reverse`](crate::hyper::reverse()),
//!   [`hyper::forward`](crate::hyper::forward()), ...), whose sweeps then all-reduce
//!   their adjoints and tangents.
//! * [`search`]: candidates refined by hypergradient descent on different ranks, the
//!   best shared.
//!
//! Launch: `mpirun --allow-run-as-root --oversubscribe -np 2 target/release/examples/dist_train`.
//! When a rank dies, Open MPI's `mpirun` ends the others and reports which rank
//! exited; no rank waits forever in a collective.
//!
//! ```
//! use hype_runtime::data::Dataset;
//! use hype_runtime::dist::{emulated_loss, DataParallel, Reduction, SingleProcess};
//! use hype_runtime::optim::{train, LearningRate, TrainParams};
//! use ndarray::{Array1, Array2, ArrayView2};
//!
//! let x = Array2::from_shape_fn((20, 1), |(i, _)| i as f64 / 10.0 - 1.0);
//! let data = Dataset::new(x.clone(), 3.0 * &x).unwrap();
//! let loss = |w: &Array1<f64>, x: ArrayView2<f64>, y: ArrayView2<f64>| {
//!     let r = &x.column(0) * w[0] - &y.column(0);
//!     let n = r.len() as f64;
//!     (r.dot(&r) / n, Array1::from_elem(1, 2.0 * r.dot(&x.column(0)) / n))
//! };
//! let p = TrainParams::minibatch(5).epochs(3).learning_rate(LearningRate::Constant(0.5)).progress(false);
//! let (mut a, mut b) = (Array1::zeros(1), Array1::zeros(1));
//! DataParallel::new(&SingleProcess, Reduction::RankOrder).train(&mut a, &data, &p, loss).unwrap();
//! // Three ranks, emulated in this process: the same steps up to rounding.
//! train(&mut b, &data, &p, emulated_loss(3, loss)).unwrap();
//! assert!((a[0] - b[0]).abs() <= 1e-14 * a[0].abs());
//! ```

mod collective;
mod data_parallel;
mod hypergradient;
#[cfg(feature = "mpi")]
mod mpi;
mod reduction;
mod search;
mod shard;
mod threads;

pub use collective::{Collective, SingleProcess};
pub use data_parallel::{emulated_loss, DataParallel};
pub use hypergradient::{AllReduced, AllReducedValidation};
#[cfg(feature = "mpi")]
pub use mpi::Mpi;
pub use reduction::{reduce_sum, Reduction};
pub use search::{search, SearchResult};
pub use shard::shard_range;
pub use threads::ThreadRank;
