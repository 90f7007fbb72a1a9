//! A training loss split over ranks for the data-parallel hypergradient tests.
#![allow(dead_code)]

use hype_runtime::hyper::InnerLoss;
use ndarray::{s, Array1, Array2};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Deterministic inputs in [-1, 1] and labels from a noisy linear rule.
pub fn logistic_data(m: usize, n: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let x = Array2::from_shape_fn((m, n), |(i, j)| {
        ((i as f64 + 1.0) * (0.731 + 0.113 * j as f64) + seed as f64).sin()
    });
    let truth = Array1::from_shape_fn(n, |j| (j as f64 * 1.3 + 0.4).cos());
    let y = Array1::from_shape_fn(m, |i| {
        let z = x.row(i).dot(&truth) + 0.4 * ((i * 7 + 3) as f64).sin();
        if z > 0.0 {
            1.0
        } else {
            0.0
        }
    });
    (x, y)
}

/// Rank `r`'s part of the weighted logistic loss
/// `L(w, (c, λ)) = (1/m) Σ_i c_i [softplus(x_iᵀw) - y_i x_iᵀw] + ½ λ |w|²`:
/// the sum over its rows `offset..offset + rows` (with the global `m`), and the
/// regularizer on rank 0 only. With one shard it is the whole loss.
#[derive(Clone, Debug)]
pub struct ShardedLogistic {
    pub x: Array2<f64>,
    pub y: Array1<f64>,
    pub offset: usize,
    pub total: usize,
    pub regularize: bool,
}

impl ShardedLogistic {
    pub fn shard(x: &Array2<f64>, y: &Array1<f64>, rank: usize, size: usize) -> Self {
        let r = hype_runtime::dist::shard_range(x.nrows(), rank, size);
        ShardedLogistic {
            x: x.slice(s![r.clone(), ..]).to_owned(),
            y: y.slice(s![r.clone()]).to_owned(),
            offset: r.start,
            total: x.nrows(),
            regularize: rank == 0,
        }
    }

    fn residual(&self, w: &Array1<f64>) -> Array1<f64> {
        self.x.dot(w).mapv(sigmoid) - &self.y
    }

    fn c<'a>(&self, c: &'a Array1<f64>) -> ndarray::ArrayView1<'a, f64> {
        c.slice(s![self.offset..self.offset + self.y.len()])
    }

    fn reg(&self) -> f64 {
        if self.regularize {
            1.0
        } else {
            0.0
        }
    }

    /// This part of the unweighted mean loss (over `total`) and its gradient: a
    /// validation loss split over ranks.
    pub fn value_and_grad(&self, w: &Array1<f64>) -> (f64, Array1<f64>) {
        let z = self.x.dot(w);
        let m = self.total as f64;
        let value = z
            .iter()
            .zip(&self.y)
            .map(|(&zi, &yi)| softplus(zi) - yi * zi)
            .sum::<f64>()
            / m;
        (value, self.x.t().dot(&self.residual(w)) / m)
    }
}

impl InnerLoss for ShardedLogistic {
    type Hyper = (Array1<f64>, f64);
    fn gradient(&self, w: &Array1<f64>, lam: &Self::Hyper) -> Array1<f64> {
        let m = self.total as f64;
        self.x.t().dot(&(&self.c(&lam.0) * &self.residual(w))) / m + self.reg() * lam.1 * w
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
        let hv = self.x.t().dot(&(&self.c(&lam.0) * &curv * &xv)) / m + self.reg() * lam.1 * v;
        let mut dc = Array1::zeros(self.total);
        dc.slice_mut(s![self.offset..self.offset + self.y.len()])
            .assign(&(&self.residual(w) * &xv / m));
        (hv, (dc, self.reg() * w.dot(v)))
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
        let hdw = self.x.t().dot(&(&self.c(&lam.0) * &curv * &self.x.dot(dw))) / m
            + self.reg() * lam.1 * dw;
        hdw + self.x.t().dot(&(&self.c(&dlam.0) * &self.residual(w))) / m + self.reg() * dlam.1 * w
    }
}

use hype_runtime::dist::{AllReduced, AllReducedValidation, Collective, Reduction};
use hype_runtime::hyper::{forward, reverse, HeavyBall, StepHyper};
use hype_runtime::Tangent;

type Hyper = StepHyper<(Array1<f64>, f64)>;
type State = (Array1<f64>, Array1<f64>);

/// 20 heavy-ball steps on the weighted logistic loss split over the ranks of `comm`,
/// the validation loss split likewise: (dynamics, validation, s0, hyperparameters).
#[allow(clippy::type_complexity)]
pub fn logistic_problem<C: Collective>(
    comm: &C,
    reduction: Reduction,
) -> (
    HeavyBall<AllReduced<'_, ShardedLogistic, C>>,
    AllReducedValidation<'_, impl Fn(&State, &Hyper) -> (f64, State, Hyper), C>,
    State,
    Hyper,
) {
    let (x, y) = logistic_data(24, 5, 1);
    let (xv, yv) = logistic_data(16, 5, 2);
    let (rank, size) = (comm.rank(), comm.size());
    let train = AllReduced::new(ShardedLogistic::shard(&x, &y, rank, size), comm, reduction);
    let val_shard = ShardedLogistic::shard(&xv, &yv, rank, size);
    let local_validation = move |s: &State, h: &Hyper| {
        let (e, g) = val_shard.value_and_grad(&s.0);
        (e, (g, s.1.zero_like()), h.zero_like())
    };
    let validation = AllReducedValidation::new(local_validation, comm, reduction);
    let weights = Array1::from_shape_fn(24, |i| 0.5 + 0.5 * ((i * 5) as f64).sin().abs());
    let h = StepHyper::constant(0.8, 0.7, (weights, 1e-2));
    let s0 = (Array1::from_elem(5, 0.1), Array1::zeros(5));
    (HeavyBall(train), validation, s0, h)
}

/// Value, Reverse-HG and Forward-HG (flattened: learning rate, momentum, 24 example
/// weights, L2 weight) of [`logistic_problem`].
pub fn logistic_hypergradients<C: Collective>(
    comm: &C,
    reduction: Reduction,
) -> (f64, Vec<f64>, Vec<f64>) {
    let (dynamics, validation, s0, h) = logistic_problem(comm, reduction);
    let r = reverse(&dynamics, &validation, &s0, &h, 20);
    let f = forward(&dynamics, &validation, &s0, &h, 20);
    (
        r.value,
        r.grad.flatten().to_vec(),
        f.grad.flatten().to_vec(),
    )
}

/// max_i |a_i - b_i| / max_i |b_i|.
pub fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

use hype_runtime::data::Dataset;
use hype_runtime::optim::{LearningRate, Momentum, TrainParams};
use ndarray::ArrayView2;

/// A linear model `x W + b`.
pub type LinearModel = (Array2<f64>, Array1<f64>);

/// Mean squared error of `x W + b` against `y` (mean over rows and outputs) and its
/// gradient.
pub fn mse(m: &LinearModel, x: ArrayView2<f64>, y: ArrayView2<f64>) -> (f64, LinearModel) {
    let r = x.dot(&m.0) + &m.1 - y;
    let n = r.len() as f64;
    let loss = r.iter().map(|v| v * v).sum::<f64>() / n;
    let gw = x.t().dot(&r) * (2.0 / n);
    let gb = r.sum_axis(ndarray::Axis(0)) * (2.0 / n);
    (loss, (gw, gb))
}

pub fn regression_data(n: usize) -> Dataset {
    let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 3 + j) as f64 * 0.37).sin());
    let w = ndarray::array![[1.0, 0.2], [-2.0, 0.7], [0.5, -1.1]];
    let y = x.dot(&w) + x.mapv(|v| (5.0 * v).cos() * 0.2).slice(s![.., 0..2]);
    Dataset::new(x, y).unwrap()
}

pub fn initial_model() -> LinearModel {
    (
        Array2::from_shape_fn((3, 2), |(i, j)| 0.1 * (i as f64 - j as f64)),
        Array1::from_elem(2, 0.05),
    )
}

/// Minibatches of `batch` (shards of uneven size when `batch` is odd), shuffled, with
/// Nesterov momentum and a decaying rate.
pub fn train_params(batch: usize) -> TrainParams {
    let optim = TrainParams::default()
        .optim
        .learning_rate(LearningRate::Decay { a0: 0.1, k: 0.01 })
        .momentum(Momentum::Nesterov(0.8))
        .epochs(3);
    TrainParams::minibatch(batch)
        .optim(optim)
        .shuffle(9)
        .progress(false)
}
