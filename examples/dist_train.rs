//! Data-parallel training and a data-parallel hypergradient over MPI, each checked
//! against one process.
//!
//! 1. A 784-100-10 ReLU network on the bundled MNIST digits, trained with
//!    `hype::dist::DataParallel` (each rank computes on its shard of every minibatch of
//!    100, gradients all-reduced); every rank also trains the same network alone, and
//!    the largest parameter difference is reported, with the job's samples per second.
//! 2. Reverse-HG through 30 heavy-ball steps of a weighted logistic regression
//!    (even vs odd digits; hyperparameters: learning rate, momentum, one weight per
//!    training example, L2 weight), the loss split over the ranks with
//!    `hype::dist::AllReduced`, against the hypergradient of one process.
//!
//! Run: `cargo build --release --features mpi --example dist_train`, then
//! `mpirun --allow-run-as-root --oversubscribe -np 2 target/release/examples/dist_train [DIGITS] [EPOCHS]`
//! (defaults 4000 and 2). Ends with
//! `dist_train: ranks <n> max_param_diff_vs_one_process <value> hypergrad_rel_diff <value>`.

use hype::data::{mnist, Dataset};
use hype::dist::{AllReduced, AllReducedValidation, Collective, DataParallel, Mpi, Reduction};
use hype::hyper::{reverse, HeavyBall, InnerLoss, StepHyper};
use hype::nn::Init;
use hype::optim::{train, LearningRate, Momentum, Params, TrainParams};
use hype::prelude::*;
use ndarray::{s, Array1, Array2, ArrayView1};
use std::time::Instant;

hype::model! {
    /// A small MLP, so that two ranks on two cores run in seconds.
    pub struct Mlp = Linear<784, 100> -> Relu -> Linear<100, 10>;
}

#[differentiable]
fn batch_loss(m: &Mlp, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_linear(&m.forward(x), y)
}

fn loss(m: &Mlp, x: ArrayView2<f64>, y: ArrayView2<f64>) -> (f64, Mlp) {
    value_and_grad!(batch_loss)(m, &x.to_owned(), &y.to_owned())
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Rank `r`'s part of `L(w, (c, λ)) = (1/m) Σ_i c_i [log(1 + e^{z_i}) - y_i z_i] +
/// ½ λ |w|²` (`z = X w`): its rows `offset..`, the global `m`, the regularizer on rank
/// 0 only.
struct ShardedLogistic {
    x: Array2<f64>,
    y: Array1<f64>,
    offset: usize,
    total: usize,
    reg: f64,
}

impl ShardedLogistic {
    fn new(x: &Array2<f64>, y: &Array1<f64>, rank: usize, size: usize) -> Self {
        let r = hype::dist::shard_range(x.nrows(), rank, size);
        ShardedLogistic {
            x: x.slice(s![r.clone(), ..]).to_owned(),
            y: y.slice(s![r.clone()]).to_owned(),
            offset: r.start,
            total: x.nrows(),
            reg: if rank == 0 { 1.0 } else { 0.0 },
        }
    }
    fn c<'a>(&self, c: &'a Array1<f64>) -> ArrayView1<'a, f64> {
        c.slice(s![self.offset..self.offset + self.y.len()])
    }
    fn residual(&self, w: &Array1<f64>) -> Array1<f64> {
        self.x.dot(w).mapv(sigmoid) - &self.y
    }
}

impl InnerLoss for ShardedLogistic {
    type Hyper = (Array1<f64>, f64);
    fn gradient(&self, w: &Array1<f64>, lam: &Self::Hyper) -> Array1<f64> {
        let m = self.total as f64;
        self.x.t().dot(&(&self.c(&lam.0) * &self.residual(w))) / m + self.reg * lam.1 * w
    }
    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Self::Hyper) {
        let m = self.total as f64;
        let xv = self.x.dot(v);
        let curv = self.x.dot(w).mapv(|z| sigmoid(z) * (1.0 - sigmoid(z)));
        let hv = self.x.t().dot(&(&self.c(&lam.0) * &curv * &xv)) / m + self.reg * lam.1 * v;
        let mut dc = Array1::zeros(self.total);
        dc.slice_mut(s![self.offset..self.offset + self.y.len()])
            .assign(&(&self.residual(w) * &xv / m));
        (hv, (dc, self.reg * w.dot(v)))
    }
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &Self::Hyper,
        dw: &Array1<f64>,
        dlam: &Self::Hyper,
    ) -> Array1<f64> {
        let m = self.total as f64;
        let curv = self.x.dot(w).mapv(|z| sigmoid(z) * (1.0 - sigmoid(z)));
        self.x.t().dot(&(&self.c(&lam.0) * &curv * &self.x.dot(dw))) / m
            + self.reg * lam.1 * dw
            + self.x.t().dot(&(&self.c(&dlam.0) * &self.residual(w))) / m
            + self.reg * dlam.1 * w
    }
}

/// Reverse-HG of the validation loss (mean logistic loss on `val`) after 30
/// heavy-ball steps on `train`, both split over the ranks of `comm`: flattened.
fn hypergradient<C: Collective>(
    comm: &C,
    train: &(Array2<f64>, Array1<f64>),
    val: &(Array2<f64>, Array1<f64>),
) -> Vec<f64> {
    let (rank, size) = (comm.rank(), comm.size());
    let local = ShardedLogistic::new(&train.0, &train.1, rank, size);
    let dynamics = HeavyBall(AllReduced::new(local, comm, Reduction::AllReduce));
    let v = ShardedLogistic::new(&val.0, &val.1, rank, size);
    type H = StepHyper<(Array1<f64>, f64)>;
    let local_validation = move |s: &(Array1<f64>, Array1<f64>), h: &H| {
        let r = v.residual(&s.0);
        let m = v.total as f64;
        let z = v.x.dot(&s.0);
        let e = z
            .iter()
            .zip(&v.y)
            .map(|(&z, &y)| (1.0 + z.exp()).ln() - y * z)
            .sum::<f64>()
            / m;
        (e, (v.x.t().dot(&r) / m, s.1.zero_like()), h.zero_like())
    };
    let validation = AllReducedValidation::new(local_validation, comm, Reduction::AllReduce);
    let n = train.0.nrows();
    let h = StepHyper::constant(0.5, 0.8, (Array1::from_elem(n, 1.0), 1e-3));
    let s0 = (Array1::zeros(784), Array1::zeros(784));
    reverse(&dynamics, &validation, &s0, &h, 30)
        .grad
        .flatten()
        .to_vec()
}

/// Inputs and "is the digit even" labels of `d`.
fn even_odd(d: &Dataset) -> (Array2<f64>, Array1<f64>) {
    let labels = hype::data::argmax_rows(&d.y);
    let y = labels
        .iter()
        .map(|&l| if l % 2 == 0 { 1.0 } else { 0.0 })
        .collect();
    (d.x.clone(), y)
}

fn main() {
    let mpi = Mpi::init().expect("MPI initializes once");
    let (rank, ranks) = (mpi.rank(), mpi.size());
    let mut args = std::env::args().skip(1);
    let digits: usize = args.next().map_or(4000, |a| a.parse().expect("DIGITS"));
    let epochs: usize = args.next().map_or(2, |a| a.parse().expect("EPOCHS"));

    let data = mnist::load().expect("the bundled MNIST files");
    let all = data.train().expect("training digits");
    let train_set = all
        .select(&(0..digits.min(all.len())).collect::<Vec<_>>())
        .expect("rows");
    let params = TrainParams::minibatch(100)
        .optim(
            Params::default()
                .learning_rate(LearningRate::Constant(0.05))
                .momentum(Momentum::Momentum(0.9))
                .return_best(false),
        )
        .epochs(epochs)
        .shuffle(1)
        .progress(false);

    mpi.barrier();
    let start = Instant::now();
    let mut model = Mlp::new(Init::He, 1);
    DataParallel::new(&mpi, Reduction::AllReduce)
        .train(&mut model, &train_set, &params, loss)
        .expect("data-parallel training");
    mpi.barrier();
    let seconds = start.elapsed().as_secs_f64();
    let samples_per_second = (epochs * train_set.len()) as f64 / seconds;

    // The all-reduce of one step alone: 1 + P doubles, median of 21.
    let mut buf = vec![1.0; 1 + model.flat_len()];
    let mut times: Vec<f64> = (0..21)
        .map(|_| {
            mpi.barrier();
            let t = Instant::now();
            hype::dist::reduce_sum(&mpi, Reduction::AllReduce, &mut buf);
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let allreduce_ms = 1e3 * times[10];

    let mut alone = Mlp::new(Init::He, 1);
    train(&mut alone, &train_set, &params, loss).expect("one-process training");
    let (a, b) = (model.flatten(), alone.flatten());
    let local_diff = a
        .iter()
        .zip(&b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    let param_diff = mpi
        .all_gather(&[local_diff])
        .into_iter()
        .fold(0.0, f64::max);

    let hg_train = even_odd(
        &train_set
            .select(&(0..1000).collect::<Vec<_>>())
            .expect("rows"),
    );
    let test = data.test().expect("test digits");
    let hg_val = even_odd(&test.select(&(0..500).collect::<Vec<_>>()).expect("rows"));
    let dist = hypergradient(&mpi, &hg_train, &hg_val);
    let one = hypergradient(&hype::dist::SingleProcess, &hg_train, &hg_val);
    let scale = one.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let local_rel = dist
        .iter()
        .zip(&one)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale;
    let hg_rel = mpi.all_gather(&[local_rel]).into_iter().fold(0.0, f64::max);

    if rank == 0 {
        println!(
            "throughput: ranks {ranks} samples_per_second {samples_per_second:.0} ({} samples in {seconds:.2} s)",
            epochs * train_set.len()
        );
        println!(
            "allreduce: ranks {ranks} bytes {} median_ms {allreduce_ms:.3}",
            8 * buf.len()
        );
        println!(
            "dist_train: ranks {ranks} max_param_diff_vs_one_process {param_diff:.3e} hypergrad_rel_diff {hg_rel:.3e}"
        );
    }
}
