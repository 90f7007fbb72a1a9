//! The flagship: learn a per-step, per-layer learning-rate schedule for an MLP on the
//! bundled MNIST digits by hypergradient descent, and compare it with the best
//! constant rate of a grid under the same step budget.
//!
//! Run: `cargo run --release --example hypertrain [-- --steps 100 --iters 100 --threads 1 --out DIR]`
//!
//! * Training (the inner problem) is `--steps` steps of minibatch SGD (one fixed,
//!   seeded sequence of minibatches) on a 784-64-10 tanh network. Step `t` updates
//!   layer `k` at its own rate `lr[t, k]`: the schedule is a `steps × 2` matrix.
//! * The update step `sgd_step` is an ordinary `#[differentiable]` function whose body
//!   calls `grad!(batch_loss)`. The macro differentiates that derivative code again:
//!   the vector–Jacobian product of one training step (a Hessian-vector product of the
//!   loss inside) is generated at compile time. `hype::hyper::reverse` chains those
//!   products backwards through the whole run (Reverse-HG) to give the gradient of
//!   the validation loss with respect to all `2 × steps` rates at once.
//! * The outer loop (`hype::hyper::optimize`, Adam on the rates, kept in `[0, 8]`)
//!   starts from the best constant rate of the grid, so any progress it makes is a
//!   win over that rate on the validation digits. The test digits are used only for
//!   the final report.
//!
//! It prints progress, writes `schedule.png` (the learned rates by step and layer)
//! and `loss.png` (validation loss by outer iteration; training loss along the run for
//! the best constant rate and for the learned schedule) to `--out` (default
//! `target/hypertrain`), and ends with the validation and test figures of both.

use hype::data::{mnist, Dataset};
use hype::hyper::{
    optimize, progress_bar, reverse, Dynamics, OuterMethod, OuterParams, Projection,
};
use hype::nn::{classification_error, Init, Linear};
use hype::optim::AdamParams;
use hype::prelude::*;
use hype::report::{Curve, PlotOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "common/plots.rs"]
mod plots;

hype::model! {
    /// The network being trained: 784 pixels, 64 tanh units, 10 logits.
    pub struct Mlp = Linear<784, 64> -> Tanh -> Linear<64, 10>;
}

/// Mean cross-entropy of the softmax of the logits. Order 2: the training step below
/// differentiates its gradient.
#[differentiable(order = 2)]
pub fn batch_loss(m: &Mlp, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let logits = m.forward(x);
    ops::cross_entropy_on_linear(&logits, y)
}

/// One step of SGD with one rate per layer: `w ← w - lr[k] ∇_w L` for the weights and
/// biases of layer `k`.
#[differentiable]
pub fn sgd_step(
    m: &Mlp,
    lr: &Array1<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
) -> Mlp {
    let g = grad!(batch_loss)(m, x, y);
    let (a, b) = (lr[0], lr[1]);
    Mlp {
        l0: Linear {
            w: &m.l0.w - a * &g.l0.w,
            b: &m.l0.b - a * &g.l0.b,
        },
        l1: Linear {
            w: &m.l1.w - b * &g.l1.w,
            b: &m.l1.b - b * &g.l1.b,
        },
    }
}

/// Training as a dynamical system for `hype::hyper`: state the network, hyperparameters
/// the `steps × 2` schedule, step `t` on minibatch `t`.
pub struct Training {
    batches: Vec<(Array2<f64>, Array2<f64>)>,
}

impl Training {
    fn rates(h: &Array2<f64>, t: usize) -> Array1<f64> {
        h.row(t).to_owned()
    }
}

impl Dynamics for Training {
    type State = Mlp;
    type Hyper = Array2<f64>;

    fn step(&self, m: &Mlp, h: &Array2<f64>, t: usize) -> Mlp {
        let (x, y) = &self.batches[t];
        sgd_step(m, &Self::rates(h, t), x, y)
    }

    fn step_vjp(&self, m: &Mlp, h: &Array2<f64>, t: usize, dm: &Mlp) -> (Mlp, Array2<f64>) {
        let (x, y) = &self.batches[t];
        let lr = Self::rates(h, t);
        let (_, pullback) = vjp!(sgd_step)(m, &lr, x, y);
        let (gm, glr) = pullback(dm);
        let mut gh = Array2::zeros(h.raw_dim());
        gh.row_mut(t).assign(&glr);
        (gm, gh)
    }

    fn step_jvp(&self, m: &Mlp, h: &Array2<f64>, t: usize, dm: &Mlp, dh: &Array2<f64>) -> Mlp {
        let (x, y) = &self.batches[t];
        let dlr = Self::rates(dh, t);
        jvp!(sgd_step)(m, &Self::rates(h, t), x, y, dm, &dlr).1
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Training steps (the schedule's length).
    pub steps: usize,
    /// Outer (hypergradient) iterations.
    pub iters: usize,
    /// Minibatch size.
    pub batch: usize,
    /// Validation digits (taken from the end of the training split).
    pub validation: usize,
    /// The constant rates tried.
    pub grid: Vec<f64>,
    /// Where the plots go (`None`: no plots).
    pub out: Option<PathBuf>,
    /// Print progress and results.
    pub verbose: bool,
    /// Adam's step on the rates, as a fraction of the best constant rate.
    pub outer_step: f64,
    /// OpenBLAS threads (1 is fastest for these small products on a shared machine).
    pub threads: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            steps: 100,
            iters: 100,
            batch: 100,
            validation: 1000,
            grid: vec![0.03, 0.06, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0],
            out: Some(PathBuf::from("target/hypertrain")),
            verbose: true,
            outer_step: 0.01,
            threads: 1,
        }
    }
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Every constant rate tried, with its validation loss.
    pub grid_losses: Vec<(f64, f64)>,
    /// The best constant rate of the grid and its validation loss.
    pub best_rate: f64,
    pub best_constant_loss: f64,
    /// The learned schedule and its validation loss.
    pub schedule: Array2<f64>,
    pub learned_loss: f64,
    /// Test loss and error of the network trained with the best constant rate and with
    /// the learned schedule.
    pub test_constant: (f64, f64),
    pub test_learned: (f64, f64),
    /// Outer iterations' validation losses.
    pub history: Vec<f64>,
}

/// The problem: minibatches (seeded), validation and test sets, the initial network.
pub struct Problem {
    pub training: Training,
    pub validation: Dataset,
    pub test: Dataset,
    pub init: Mlp,
}

/// Builds the problem for `config` from the bundled digits.
pub fn problem(config: &Config) -> Problem {
    let data = mnist::load().expect("the bundled MNIST files");
    let train = data.train().expect("training set");
    let n = train.len();
    assert!(
        config.validation < n,
        "--validation must leave training digits"
    );
    let pool = n - config.validation;
    let validation = train
        .select(&(pool..n).collect::<Vec<_>>())
        .expect("validation rows");
    // A fixed, seeded order of the training digits; step t takes the t-th slice of it.
    let order = hype::data::rng::permutation(pool, 7);
    let batches = (0..config.steps)
        .map(|t| {
            let rows: Vec<usize> = (0..config.batch)
                .map(|i| order[(t * config.batch + i) % pool])
                .collect();
            let b = train.select(&rows).expect("minibatch rows");
            (b.x, b.y)
        })
        .collect();
    Problem {
        training: Training { batches },
        validation,
        test: data.test().expect("test set"),
        init: Mlp::new(Init::Glorot, 7),
    }
}

impl Problem {
    /// The validation loss and its gradient with respect to the network (the outer
    /// objective for `hype::hyper`; it does not depend on the rates directly).
    pub fn validation_grad(&self, m: &Mlp, h: &Array2<f64>) -> (f64, Mlp, Array2<f64>) {
        let (v, g) = value_and_grad!(batch_loss)(m, &self.validation.x, &self.validation.y);
        (v, g, Array2::zeros(h.raw_dim()))
    }

    /// Trains with schedule `h`: the final network and the minibatch losses.
    pub fn train(&self, h: &Array2<f64>) -> (Mlp, Vec<f64>) {
        let mut m = self.init.clone();
        let mut losses = Vec::with_capacity(h.nrows());
        for t in 0..h.nrows() {
            let (x, y) = &self.training.batches[t];
            losses.push(batch_loss(&m, x, y));
            m = self.training.step(&m, h, t);
        }
        (m, losses)
    }

    /// Validation loss after training with schedule `h`.
    pub fn validation_loss(&self, h: &Array2<f64>) -> f64 {
        let (m, _) = self.train(h);
        batch_loss(&m, &self.validation.x, &self.validation.y)
    }

    /// Reverse-HG: validation loss and its gradient with respect to the schedule.
    pub fn hypergradient(&self, h: &Array2<f64>) -> (f64, Array2<f64>) {
        let v = |m: &Mlp, h: &Array2<f64>| self.validation_grad(m, h);
        let r = reverse(&self.training, &v, &self.init, h, h.nrows());
        (r.value, r.grad)
    }

    /// Test loss and error of the network trained with `h`.
    pub fn test(&self, h: &Array2<f64>) -> (f64, f64) {
        let (m, _) = self.train(h);
        let logits = m.forward(&self.test.x);
        (
            batch_loss(&m, &self.test.x, &self.test.y),
            classification_error(logits.view(), self.test.y.view()),
        )
    }
}

/// The constant schedule `rate` for `steps` steps.
pub fn constant(steps: usize, rate: f64) -> Array2<f64> {
    Array2::from_elem((steps, 2), rate)
}

/// Grid search, then hypergradient descent from the best constant rate.
pub fn run(config: &Config) -> Outcome {
    hype::tune::set_blas_threads(config.threads);
    hype::tune::retain_freed_memory();
    let p = problem(config);
    let say = |s: String| {
        if config.verbose {
            println!("{s}");
        }
    };
    say(format!(
        "hypertrain: 784-64-10 tanh MLP, {} SGD steps of {} digits, {} validation digits, {} test digits",
        config.steps,
        config.batch,
        p.validation.len(),
        p.test.len()
    ));

    let clock = Instant::now();
    let mut best = (f64::NAN, f64::INFINITY);
    let mut grid_losses = Vec::new();
    for &rate in &config.grid {
        let v = p.validation_loss(&constant(config.steps, rate));
        say(format!("  constant rate {rate:<5}: validation loss {v:.5}"));
        grid_losses.push((rate, v));
        if v < best.1 {
            best = (rate, v);
        }
    }
    let (best_rate, best_constant_loss) = best;
    say(format!(
        "best constant rate {best_rate} (validation loss {best_constant_loss:.5}); grid took {:.1} s",
        clock.elapsed().as_secs_f64()
    ));

    let clock = Instant::now();
    let params = OuterParams {
        iterations: config.iters,
        method: OuterMethod::Adam(AdamParams {
            lr: config.outer_step * best_rate,
            ..AdamParams::default()
        }),
        projection: Projection::Box { lo: 0.0, hi: 8.0 },
    };
    let (mut bar, _handle) = progress_bar(config.iters, "schedule");
    let progress: Option<&mut dyn FnMut(&hype::hyper::OuterRecord)> =
        if config.verbose { Some(&mut bar) } else { None };
    let r = optimize(
        &constant(config.steps, best_rate),
        |h| Ok(p.hypergradient(h)),
        &params,
        progress,
    )
    .expect("finite hypergradients");
    let history: Vec<f64> = r.history.iter().map(|h| h.value).collect();
    say(format!(
        "{} hypergradient iterations in {:.1} s ({:.2} s each: {} steps forward, {} vector-Jacobian products back)",
        config.iters + 1,
        clock.elapsed().as_secs_f64(),
        clock.elapsed().as_secs_f64() / (config.iters + 1) as f64,
        config.steps,
        config.steps
    ));

    let schedule = r.best;
    let learned_loss = r.best_value;
    let test_constant = p.test(&constant(config.steps, best_rate));
    let test_learned = p.test(&schedule);
    let (lo, hi) = (schedule.column(0), schedule.column(1));
    say(format!(
        "learned schedule: layer 1 rates {:.3} .. {:.3} (mean {:.3}), layer 2 rates {:.3} .. {:.3} (mean {:.3})",
        lo.fold(f64::INFINITY, |a, &b| a.min(b)),
        lo.fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
        lo.mean().unwrap_or(f64::NAN),
        hi.fold(f64::INFINITY, |a, &b| a.min(b)),
        hi.fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
        hi.mean().unwrap_or(f64::NAN),
    ));
    if let Some(dir) = &config.out {
        plot(&p, dir, best_rate, &schedule, &history);
    }
    say(format!(
        "\n{:<28} {:>16} {:>10} {:>11}",
        "", "validation loss", "test loss", "test error"
    ));
    say(format!(
        "{:<28} {:>16.5} {:>10.5} {:>10.2}%",
        format!("best constant rate ({best_rate})"),
        best_constant_loss,
        test_constant.0,
        100.0 * test_constant.1
    ));
    say(format!(
        "{:<28} {:>16.5} {:>10.5} {:>10.2}%",
        "learned schedule",
        learned_loss,
        test_learned.0,
        100.0 * test_learned.1
    ));
    say(format!(
        "the learned schedule {} the best constant rate on validation loss ({:+.2}%)",
        if learned_loss < best_constant_loss {
            "beats"
        } else {
            "does NOT beat"
        },
        100.0 * (learned_loss - best_constant_loss) / best_constant_loss
    ));
    Outcome {
        grid_losses,
        best_rate,
        best_constant_loss,
        schedule,
        learned_loss,
        test_constant,
        test_learned,
        history,
    }
}

/// `schedule.png`, `loss.png` and `hyper.png` under `dir`.
fn plot(p: &Problem, dir: &Path, best_rate: f64, schedule: &Array2<f64>, history: &[f64]) {
    let steps = schedule.nrows();
    let by_step = |k: usize| -> Vec<(f64, f64)> {
        (0..steps).map(|t| (t as f64, schedule[[t, k]])).collect()
    };
    let schedule_curves = [
        Curve::new("layer 1 (784→64)", by_step(0)),
        Curve::new("layer 2 (64→10)", by_step(1)),
        plots::constant_rate(best_rate, steps),
    ];
    let (_, constant_losses) = p.train(&constant(steps, best_rate));
    let (_, learned_losses) = p.train(schedule);
    let loss_curves = [
        Curve::from_history("training loss, best constant rate", &constant_losses),
        Curve::from_history("training loss, learned schedule", &learned_losses),
    ];
    let outer = [Curve::from_history("validation loss", history)];
    plots::write_plots(
        dir,
        &[
            (
                "schedule.png",
                &schedule_curves,
                PlotOptions::default()
                    .title("learned learning-rate schedule")
                    .labels("training step", "learning rate"),
            ),
            (
                "loss.png",
                &loss_curves,
                PlotOptions::default()
                    .title("minibatch training loss along the run")
                    .labels("training step", "cross-entropy")
                    .log_y(true),
            ),
            (
                "hyper.png",
                &outer,
                PlotOptions::default()
                    .title("validation loss by hypergradient iteration")
                    .labels("outer iteration", "validation cross-entropy"),
            ),
        ],
    );
}

/// `--steps N --iters N --batch N --out DIR --no-plots`.
fn parse_args() -> Result<Config, String> {
    let mut c = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{name} takes a positive integer, not {v:?}"))
        };
        match a.as_str() {
            "--steps" => c.steps = number("--steps", value("--steps")?)?,
            "--iters" => c.iters = number("--iters", value("--iters")?)?,
            "--batch" => c.batch = number("--batch", value("--batch")?)?,
            "--threads" => c.threads = number("--threads", value("--threads")?)?,
            "--outer-step" => {
                let v = value("--outer-step")?;
                c.outer_step = v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| format!("--outer-step takes a positive number, not {v:?}"))?
            }
            "--out" => c.out = Some(PathBuf::from(value("--out")?)),
            "--no-plots" => c.out = None,
            "-h" | "--help" => {
                return Err(
                    "usage: hypertrain [--steps 100] [--iters 100] [--batch 100] [--outer-step 0.01] [--threads 1] [--out DIR | --no-plots]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(c)
}

#[allow(dead_code)] // the tests call `run` directly
fn main() {
    match parse_args() {
        Ok(config) => {
            run(&config);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
