//! Full, checkpointed and truncated Reverse-HG, Forward-HG and RTHO on a real model:
//! a 784-16-10 tanh network trained on the bundled digits by heavy-ball SGD whose
//! hyperparameters are a learning-rate schedule (one rate per phase of the run) and
//! an L2 weight.
//!
//! Run: `cargo run --release --example hyper_compare [-- --steps 200 --phases 4 --outer 20]`
//!
//! It prints two tables:
//!
//! * the hypergradient at the starting point by every driver, with its cosine
//!   similarity and relative error to full Reverse-HG, its wall time and the states
//!   it stored (the drivers' own `Stats`);
//! * the validation loss reached when each driver steers the same outer optimizer
//!   (Adam, `--outer` updates, rates kept in `[0, 2]`) from the same starting point;
//!   RTHO makes the same number of updates inside a single training run.
//!
//! The training run is `hype::hyper::train`'s dynamics (`TrainSetup::dynamics`, the
//! library's differentiable training) wrapped in [`Phased`], which maps the few
//! hyperparameters onto the per-step `TrainHyper` of every step.

use hype::data::{mnist, Dataset};
use hype::hyper::{
    checkpointed, forward, optimize, reverse, rtho, truncated, Checkpointing, Dynamics, HyperError,
    Hypergradient, Optimizer, OuterMethod, OuterParams, Projection, RthoParams, Stats, TrainHyper,
    TrainLoss, TrainSetup, Training,
};
use hype::nn::Init;
use hype::optim::AdamParams;
use hype::prelude::*;
use std::time::Instant;

hype::model! {
    /// The network being trained: 784 pixels, 16 tanh units, 10 logits.
    pub struct Net = Linear<784, 16> -> Tanh -> Linear<16, 10>;
}

/// Cross-entropy of the softmax of the logits. Order 2: the hypergradient
/// differentiates training, which holds its gradient.
#[differentiable(order = 2)]
pub fn batch_loss(n: &Net, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_linear(&n.forward(x), y)
}

/// The training loss on minibatches of the training digits.
pub struct Digits {
    x: Array2<f64>,
    y: Array2<f64>,
}

impl Digits {
    fn rows(&self, rows: &[usize]) -> (Array2<f64>, Array2<f64>) {
        (self.x.select(Axis(0), rows), self.y.select(Axis(0), rows))
    }
}

impl TrainLoss<Net> for Digits {
    type Hyper = ();
    fn gradient(&self, n: &Net, _: &(), rows: &[usize]) -> Net {
        let (x, y) = self.rows(rows);
        grad!(batch_loss)(n, &x, &y)
    }
    fn gradient_vjp(&self, n: &Net, _: &(), rows: &[usize], v: &Net) -> (Net, ()) {
        let (x, y) = self.rows(rows);
        (hvp!(batch_loss)(n, &x, &y, v), ())
    }
    fn gradient_jvp(&self, n: &Net, _: &(), rows: &[usize], dn: &Net, _: &()) -> Net {
        let (x, y) = self.rows(rows);
        hvp!(batch_loss)(n, &x, &y, dn)
    }
}

/// The L2 weight is `L2_UNIT · h[phases]`, so that every hyperparameter is of order
/// 0.1 to 1 and one outer step size fits them all.
pub const L2_UNIT: f64 = 1e-3;

/// Training with `phases` learning rates (step `t` uses rate `h[t · phases / steps]`)
/// and the L2 weight `L2_UNIT · h[phases]`, heavy ball with a fixed momentum: the
/// library's training dynamics with the hyperparameters mapped onto its `TrainHyper`.
pub struct Phased<'a> {
    inner: Training<'a, Net, Digits>,
    steps: usize,
    phases: usize,
    momentum: f64,
}

impl Phased<'_> {
    /// The phase of step `t`.
    pub fn phase(&self, t: usize) -> usize {
        t * self.phases / self.steps
    }

    /// Step `t`'s `TrainHyper` for the hyperparameters (or tangent) `h`; `momentum`
    /// is the momentum there (0 in a tangent: it is held fixed).
    fn train_hyper(&self, h: &Array1<f64>, t: usize, momentum: f64) -> TrainHyper<()> {
        TrainHyper {
            lr: Array2::from_elem((1, 1), h[self.phase(t)]),
            momentum: Array1::from_elem(1, momentum),
            l2: L2_UNIT * h[self.phases],
            // Only the initial state reads the scale; a step does not.
            init_scale: 0.0,
            loss: (),
        }
    }
}

impl Dynamics for Phased<'_> {
    type State = Vec<Net>;
    type Hyper = Array1<f64>;

    fn step(&self, s: &Vec<Net>, h: &Array1<f64>, t: usize) -> Vec<Net> {
        self.inner
            .step(s, &self.train_hyper(h, t, self.momentum), t)
    }

    fn step_vjp(
        &self,
        s: &Vec<Net>,
        h: &Array1<f64>,
        t: usize,
        sb: &Vec<Net>,
    ) -> (Vec<Net>, Array1<f64>) {
        let (s_bar, th) = self
            .inner
            .step_vjp(s, &self.train_hyper(h, t, self.momentum), t, sb);
        let mut hb = Array1::zeros(h.len());
        hb[self.phase(t)] = th.lr.sum();
        hb[self.phases] = L2_UNIT * th.l2;
        (s_bar, hb)
    }

    fn step_jvp(
        &self,
        s: &Vec<Net>,
        h: &Array1<f64>,
        t: usize,
        ds: &Vec<Net>,
        dh: &Array1<f64>,
    ) -> Vec<Net> {
        let point = self.train_hyper(h, t, self.momentum);
        self.inner
            .step_jvp(s, &point, t, ds, &self.train_hyper(dh, t, 0.0))
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Training steps `T`.
    pub steps: usize,
    /// Minibatch size.
    pub batch: usize,
    /// Learning-rate phases.
    pub phases: usize,
    /// Heavy-ball momentum (fixed).
    pub momentum: f64,
    /// Starting rate (every phase) and L2 weight (in units of `L2_UNIT`).
    pub rate: f64,
    pub l2: f64,
    /// Validation digits (from the end of the training split) and training digits
    /// (from its start) used.
    pub validation: usize,
    pub training: usize,
    /// Truncation lengths `K` compared.
    pub windows: Vec<usize>,
    /// Outer updates in the second table (0: skip it).
    pub outer: usize,
    /// Adam's step on the hyperparameters.
    pub outer_rate: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            steps: 200,
            batch: 100,
            phases: 4,
            momentum: 0.9,
            rate: 0.05,
            l2: 1.0,
            validation: 1000,
            training: 7000,
            windows: vec![1, 10, 25, 50, 100, 200],
            outer: 20,
            outer_rate: 0.02,
        }
    }
}

/// The digits, the training run and the starting point.
pub struct Problem {
    pub setup: TrainSetup<Digits>,
    pub init: Net,
    pub validation: Dataset,
    pub config: Config,
}

/// Builds the problem from the bundled digits: `steps` minibatches of `batch`
/// digits in a seeded order, the validation digits at the end of the training split.
pub fn problem(config: &Config) -> Problem {
    let data = mnist::load().expect("the bundled MNIST digits");
    let all = data.train().expect("training digits");
    let n = all.len();
    assert!(
        config.validation + config.training <= n,
        "{} validation + {} training digits exceed the {n} bundled ones",
        config.validation,
        config.training
    );
    let training = all
        .select(&(0..config.training).collect::<Vec<_>>())
        .expect("training rows");
    let validation = all
        .select(&(n - config.validation..n).collect::<Vec<_>>())
        .expect("validation rows");
    let order = hype::data::rng::permutation(config.training, 11);
    let batches = (0..config.steps)
        .map(|t| {
            (0..config.batch)
                .map(|i| order[(t * config.batch + i) % config.training])
                .collect()
        })
        .collect();
    let digits = Digits {
        x: training.x,
        y: training.y,
    };
    let setup = TrainSetup::from_batches(digits, Optimizer::Momentum, batches)
        .expect("non-empty minibatches");
    Problem {
        setup,
        init: Net::new(Init::Glorot, 3),
        validation,
        config: config.clone(),
    }
}

/// A hypergradient driver.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Driver {
    /// Reverse-HG over the stored trajectory.
    Full,
    /// Reverse-HG with √T checkpoints.
    Sqrt,
    /// Reverse-HG through the last `K` steps.
    Truncated(usize),
    /// Forward-HG.
    Forward,
    /// The hypergradient RTHO uses for its first update, after this many steps
    /// (RTHO with `update_every` = that many steps).
    Rtho(usize),
}

impl Driver {
    /// Its name in the tables.
    pub fn name(&self) -> String {
        match self {
            Driver::Full => "Reverse-HG (full)".into(),
            Driver::Sqrt => "Reverse-HG (√T checkpoints)".into(),
            Driver::Truncated(k) => format!("truncated Reverse-HG, K = {k}"),
            Driver::Forward => "Forward-HG".into(),
            Driver::Rtho(u) => format!("RTHO, first update at step {u}"),
        }
    }
}

impl Problem {
    /// The training run as a `Dynamics` over the phase rates and the L2 weight.
    pub fn dynamics(&self) -> Phased<'_> {
        Phased {
            inner: self.setup.dynamics(),
            steps: self.config.steps,
            phases: self.config.phases,
            momentum: self.config.momentum,
        }
    }

    /// The starting hyperparameters: `rate` in every phase, then the L2 weight.
    pub fn h0(&self) -> Array1<f64> {
        let mut h = Array1::from_elem(self.config.phases + 1, self.config.rate);
        h[self.config.phases] = self.config.l2;
        h
    }

    /// The initial state `(w, v = 0)`.
    pub fn s0(&self) -> Vec<Net> {
        vec![self.init.clone(), self.init.zero_like()]
    }

    /// The validation loss and its partial gradients (`E` does not depend on `h`).
    pub fn validation(&self, s: &[Net], h: &Array1<f64>) -> (f64, Vec<Net>, Array1<f64>) {
        let (v, g) = value_and_grad!(batch_loss)(&s[0], &self.validation.x, &self.validation.y);
        (v, vec![g, s[1].zero_like()], Array1::zeros(h.len()))
    }

    /// The validation loss after training with `h`.
    pub fn loss(&self, h: &Array1<f64>) -> f64 {
        let v = |s: &Vec<Net>, h: &Array1<f64>| self.validation(s, h);
        hype::hyper::unrolled_loss(&self.dynamics(), &v, &self.s0(), h, self.config.steps)
    }

    /// The hypergradient of [`Problem::loss`] at `h` by `driver`.
    pub fn hypergradient(
        &self,
        driver: Driver,
        h: &Array1<f64>,
    ) -> Result<Hypergradient<Vec<Net>, Array1<f64>>, HyperError> {
        let d = self.dynamics();
        let v = |s: &Vec<Net>, h: &Array1<f64>| self.validation(s, h);
        let s0 = self.s0();
        let steps = self.config.steps;
        match driver {
            Driver::Full => Ok(reverse(&d, &v, &s0, h, steps)),
            Driver::Sqrt => checkpointed(&d, &v, &s0, h, steps, Checkpointing::Sqrt),
            Driver::Truncated(k) => truncated(&d, &v, &s0, h, steps, k),
            Driver::Forward => Ok(forward(&d, &v, &s0, h, steps)),
            Driver::Rtho(u) => {
                // The outer step is irrelevant: the first record is taken before it.
                let params = RthoParams {
                    steps: u,
                    update_every: u,
                    method: OuterMethod::GradientDescent { lr: 1.0 },
                    projection: Projection::None,
                };
                let r = rtho(&d, &v, &s0, h, &params)?;
                let first = r.history.into_iter().next().ok_or_else(|| {
                    HyperError::InvalidArgument(format!("RTHO: no update in {u} steps"))
                })?;
                let m = h.len();
                let bytes = 8 * s0.iter().map(|s| s.flat_len()).sum::<usize>();
                Ok(Hypergradient {
                    value: first.value,
                    grad: first.grad,
                    initial_state_grad: None,
                    stats: Stats {
                        steps: u,
                        jvps: u * m,
                        peak_states: m,
                        peak_bytes: m * bytes,
                        ..Stats::default()
                    },
                })
            }
        }
    }

    /// The outer optimizer of the second table.
    pub fn outer_params(&self) -> OuterParams {
        OuterParams {
            iterations: self.config.outer,
            method: OuterMethod::Adam(AdamParams {
                lr: self.config.outer_rate,
                ..AdamParams::default()
            }),
            projection: Projection::Box { lo: 0.0, hi: 2.0 },
        }
    }

    /// The hyperparameters after `outer` updates of the outer optimizer steered by
    /// `driver` (RTHO: `outer` updates within one training run, whose own final
    /// validation loss comes second).
    pub fn tune(&self, driver: Driver) -> Result<(Array1<f64>, Option<f64>), HyperError> {
        let params = self.outer_params();
        if let Driver::Rtho(_) = driver {
            let d = self.dynamics();
            let v = |s: &Vec<Net>, h: &Array1<f64>| self.validation(s, h);
            let r = rtho(
                &d,
                &v,
                &self.s0(),
                &self.h0(),
                &RthoParams {
                    steps: self.config.steps,
                    update_every: (self.config.steps / params.iterations.max(1)).max(1),
                    method: params.method,
                    projection: params.projection,
                },
            )?;
            return Ok((r.hyper, Some(r.value)));
        }
        let r = optimize(
            &self.h0(),
            |h| {
                let g = self.hypergradient(driver, h)?;
                Ok((g.value, g.grad))
            },
            &params,
            None,
        )?;
        Ok((r.hyper, None))
    }
}

/// One row of the first table.
#[derive(Clone, Debug)]
pub struct Row {
    pub driver: Driver,
    pub grad: Array1<f64>,
    pub cosine: f64,
    pub relative_error: f64,
    pub seconds: f64,
    pub stats: Stats,
}

/// Cosine similarity of `a` and `b`.
pub fn cosine(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    a.dot(b) / (a.dot(a).sqrt() * b.dot(b).sqrt())
}

/// `|a - b| / |b|`.
pub fn relative_error(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let d = a - b;
    d.dot(&d).sqrt() / b.dot(b).sqrt()
}

/// The first table: every driver's hypergradient at the starting point against full
/// Reverse-HG (the first of `drivers` must be `Driver::Full`).
pub fn compare(p: &Problem, drivers: &[Driver]) -> Result<Vec<Row>, HyperError> {
    let h = p.h0();
    let mut rows: Vec<Row> = Vec::new();
    for &driver in drivers {
        let clock = Instant::now();
        let g = p.hypergradient(driver, &h)?;
        let seconds = clock.elapsed().as_secs_f64();
        let full = rows.first().map_or(&g.grad, |r| &r.grad);
        rows.push(Row {
            driver,
            cosine: cosine(&g.grad, full),
            relative_error: relative_error(&g.grad, full),
            grad: g.grad,
            seconds,
            stats: g.stats,
        });
    }
    Ok(rows)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    hype::tune::for_small_arrays();
    let config = parse_args()?;
    let p = problem(&config);
    let steps = config.steps;
    println!(
        "hyper_compare: 784-16-10 tanh network, {steps} heavy-ball (μ = {}) steps of {} digits, {} training and {} validation digits",
        config.momentum, config.batch, config.training, config.validation
    );
    println!(
        "hyperparameters: {} phase rates (from {}) and the L2 weight ({} × {L2_UNIT})",
        config.phases, config.rate, config.l2
    );
    let clock = Instant::now();
    let base = p.loss(&p.h0());
    println!(
        "one training run: {:.2} s, validation loss {base:.5}\n",
        clock.elapsed().as_secs_f64()
    );

    let mut drivers = vec![Driver::Full, Driver::Sqrt];
    drivers.extend(config.windows.iter().map(|&k| Driver::Truncated(k)));
    drivers.extend([
        Driver::Forward,
        Driver::Rtho((steps / config.outer.max(1)).max(1)),
    ]);
    let rows = compare(&p, &drivers)?;
    println!(
        "{:<34} {:>9} {:>10} {:>8} {:>6} {:>5} {:>5} {:>7} {:>10}   hypergradient",
        "driver", "cosine", "rel. err.", "time s", "steps", "VJPs", "JVPs", "states", "bytes"
    );
    for r in &rows {
        let g: Vec<String> = r.grad.iter().map(|v| format!("{v:+.4}")).collect();
        println!(
            "{:<34} {:>9.6} {:>10.2e} {:>8.2} {:>6} {:>5} {:>5} {:>7} {:>10}   [{}]",
            r.driver.name(),
            r.cosine,
            r.relative_error,
            r.seconds,
            r.stats.steps,
            r.stats.vjps,
            r.stats.jvps,
            r.stats.peak_states,
            r.stats.peak_bytes,
            g.join(", ")
        );
    }

    if config.outer > 0 {
        println!(
            "\n{} outer updates (Adam, rate {}, box [0, 2]) from validation loss {base:.5}:",
            config.outer, config.outer_rate
        );
        println!(
            "{:<34} {:>15} {:>8}   hyperparameters",
            "driver", "validation loss", "time s"
        );
        let mut tuned = vec![Driver::Full];
        tuned.extend(
            config
                .windows
                .iter()
                .filter(|&&k| k < steps)
                .map(|&k| Driver::Truncated(k)),
        );
        tuned.extend([Driver::Forward, Driver::Rtho(0)]);
        for driver in tuned {
            let clock = Instant::now();
            let (h, own) = p.tune(driver)?;
            let seconds = clock.elapsed().as_secs_f64();
            let name = match driver {
                Driver::Rtho(_) => format!(
                    "RTHO (one run, update every {})",
                    (steps / config.outer).max(1)
                ),
                d => d.name(),
            };
            let hs: Vec<String> = h.iter().map(|v| format!("{v:.4}")).collect();
            println!(
                "{name:<34} {:>15.5} {seconds:>8.2}   [{}]{}",
                p.loss(&h),
                hs.join(", "),
                own.map_or(String::new(), |v| format!(
                    " (the RTHO run itself, rates changing along it, ended at {v:.5})"
                ))
            );
        }
    }
    Ok(())
}

/// `--steps N --batch N --phases N --outer N --outer-rate X --windows 1,5,..`.
fn parse_args() -> Result<Config, String> {
    let mut c = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let count = |name: &str, v: String| {
            v.parse::<usize>()
                .ok()
                .ok_or_else(|| format!("{name} takes a non-negative integer, not {v:?}"))
        };
        match a.as_str() {
            "--steps" => c.steps = count("--steps", value("--steps")?)?,
            "--batch" => c.batch = count("--batch", value("--batch")?)?,
            "--phases" => c.phases = count("--phases", value("--phases")?)?,
            "--outer" => c.outer = count("--outer", value("--outer")?)?,
            "--outer-rate" => {
                let v = value("--outer-rate")?;
                c.outer_rate = v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| format!("--outer-rate takes a positive number, not {v:?}"))?
            }
            "--windows" => {
                let v = value("--windows")?;
                c.windows = v
                    .split(',')
                    .map(|s| s.trim().parse::<usize>().ok())
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("--windows takes integers separated by commas, not {v:?}"))?
            }
            "-h" | "--help" => {
                return Err("usage: hyper_compare [--steps 200] [--batch 100] [--phases 4] [--outer 20] [--outer-rate 0.02] [--windows 1,10,25,50,100,200]".into())
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if c.steps == 0 || c.batch == 0 || c.phases == 0 || c.phases > c.steps {
        return Err(format!(
            "--steps ({}) and --batch ({}) must be positive, --phases ({}) between 1 and the steps",
            c.steps, c.batch, c.phases
        ));
    }
    if let Some(k) = c.windows.iter().find(|&&k| k > c.steps) {
        return Err(format!(
            "truncation window {k} exceeds the {} steps",
            c.steps
        ));
    }
    Ok(c)
}
