//! Hype's headline program, line by line: training itself is a differentiable
//! function, and `minimize` learns its 200-step learning-rate schedule through the
//! whole training run.
//!
//! ```text
//! let train (x:DV) =                                   fn train(x, d) -> f64
//!     let n = FeedForward()                                model! { Net =
//!     n.Add(Linear(784, 300))                                  Linear<784, 300>
//!     n.Add(Linear(300, 10))                                   -> Linear<300, 10> }
//!     let loss, _ = Layer.Train(n, data, {Params.Default with
//!         LearningRate = Schedule x                        TrainHyper { lr: α₀ x, .. }
//!         Momentum = Momentum.DefaultNesterov              Momentum::default_nesterov()
//!         Batch = Minibatch 100                            TrainParams::minibatch(100)
//!         Loss = CrossEntropyOnLinear})                    ops::cross_entropy_on_linear
//!     loss                                                 hyper::train(..) then its validation loss
//! let hypertrain =
//!     Optimize.Minimize(train, DV.create 200 (D 1.f),     optim::minimize(value_and_grad!(train),
//!                       {Params.Default with Epochs = 50})  Array1::ones(200), Params::default().epochs(50))
//! ```
//!
//! `train` is an ordinary `#[differentiable]` function; `hyper::train` inside it has
//! derivative rules that are the hypergradient drivers (Reverse-HG over the stored
//! trajectory here, or with √T checkpoints: `--sqrt`), so `value_and_grad!(train)` is the hypergradient.
//!
//! Choices (the seed leaves them open or they do not fit the bundled data):
//! * the network is the seed's two linear layers as a `model!` struct: the same
//!   function as `nn::FeedForward` with these layers (which also works here), but its
//!   generated Hessian-vector product costs 1.7 gradients where `FeedForward`'s
//!   hand-written second-order rules cost 3 (and its gradient 1.5 times more: it
//!   always computes the input's gradient too);
//! * data: the 8,000 bundled training digits, the last 1,000 held out as validation
//!   set (what `train` returns the loss of), the 2,000 test digits for the report only;
//!   200 steps of minibatches of 100 from the 7,000 others, shuffled (seed 1): 2.9 epochs;
//! * `Schedule x` is the rate `α₀ x_t` at step `t`, where `α₀` is the best of the
//!   constant rates tried first (`--grid`), so `x` starts from all ones as in the seed
//!   and the starting point *is* the best constant rate: the seed's literal rate 1
//!   with Nesterov 0.9 diverges on this network;
//! * the outer optimizer is `optim::minimize` with Hype's default (RMSProp) at rate
//!   `--outer-rate` (Hype's 0.001 moves 200 entries too little in 50 iterations) for
//!   `--epochs` 50 iterations, returning the best point.
//!
//! Run: `cargo run --release --example hype_headline [-- --epochs 50 --outer-rate 0.02 --out DIR]`.
//! It shows a progress bar, writes `schedule.png` to `--out` (default
//! `target/hype_headline`), and ends with one line
//! `headline: learned <validation loss> best_constant <validation loss>`.

use hype::data::{mnist, Dataset};
use hype::hyper::{self, Checkpointing, ReverseMode, TrainHyper, TrainLoss, TrainSetup};
use hype::nn::{classification_error, Init};
use hype::optim::{LearningRate, Momentum, Params, TrainParams};
use hype::prelude::*;
use hype::report::{Curve, PlotOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "common/plots.rs"]
mod plots;

hype::model! {
    /// The seed's network: 784 pixels, 300 linear units, 10 linear outputs.
    pub struct Net = Linear<784, 300> -> Linear<300, 10>;
}

/// Cross-entropy of the softmax of the network's linear outputs (Hype's
/// `CrossEntropyOnLinear`). Order 2: training is differentiated through its gradient.
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

/// Everything `train` holds constant: the initial network, the training run's setup,
/// the base rate and the validation digits.
pub struct Problem {
    pub net: Net,
    pub setup: TrainSetup<Digits>,
    /// `TrainHyper` of the run with `lr` to be replaced by `α₀ x`.
    pub base: TrainHyper<()>,
    pub alpha0: f64,
    pub validation: Dataset,
    pub test: Dataset,
}

/// The seed's `train x`: train the network with the schedule `α₀ x` and return the
/// validation loss at the end of training.
#[differentiable]
pub fn train(x: &Array1<f64>, #[constant] d: &Problem) -> f64 {
    let h = TrainHyper {
        lr: (d.alpha0 * x).insert_axis(Axis(1)),
        momentum: d.base.momentum.clone(),
        l2: d.base.l2,
        init_scale: d.base.init_scale,
        loss: (),
    };
    let n = hyper::train(&h, &d.net, &d.setup);
    batch_loss(&n, &d.validation.x, &d.validation.y)
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    pub steps: usize,
    pub epochs: usize,
    pub outer_rate: f64,
    pub grid: Vec<f64>,
    pub out: Option<PathBuf>,
    pub validation: usize,
    /// Time the parts of one hypergradient and stop.
    pub time: bool,
    /// √T checkpoints (`--sqrt`) instead of the whole trajectory (770 MB).
    pub sqrt: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            steps: 200,
            epochs: 50,
            outer_rate: 0.02,
            grid: vec![0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 1.0],
            out: Some(PathBuf::from("target/hype_headline")),
            validation: 1000,
            time: false,
            sqrt: false,
        }
    }
}

/// The network, digits and training run (`steps` minibatches of 100, Nesterov 0.9).
pub fn problem(config: &Config) -> Problem {
    let data = mnist::load().expect("the bundled MNIST digits");
    let all = data.train().expect("training digits");
    let n = all.len();
    let pool = n - config.validation;
    let training = all.select(&(0..pool).collect::<Vec<_>>()).expect("rows");
    let validation = all.select(&(pool..n).collect::<Vec<_>>()).expect("rows");
    let net = Net::new(Init::Glorot, 1);
    let params = train_params(config.steps, pool, 1.0);
    let digits = Digits {
        x: training.x,
        y: training.y,
    };
    let setup = TrainSetup::new(digits, pool, &params)
        .expect("a differentiable training setup")
        .reverse_mode(if config.sqrt {
            ReverseMode::Checkpointed(Checkpointing::Sqrt)
        } else {
            ReverseMode::Full
        });
    let base = setup.hyper(&params, ()).expect("the run's hyperparameters");
    Problem {
        net,
        setup,
        base,
        alpha0: 1.0,
        validation,
        test: data.test().expect("test digits"),
    }
}

/// Hype's `{Params.Default with LearningRate = Schedule, Momentum = DefaultNesterov,
/// Batch = Minibatch 100}` for `steps` steps over `examples` digits.
fn train_params(steps: usize, examples: usize, rate: f64) -> TrainParams {
    TrainParams::minibatch(100)
        .shuffle(1)
        .progress(false)
        .optim(
            Params::default()
                .epochs(steps.div_ceil(examples.div_ceil(100)))
                .learning_rate(LearningRate::Schedule(vec![rate; steps]))
                .momentum(Momentum::default_nesterov()),
        )
}

impl Problem {
    /// The network trained with the rates `rates` (one per step).
    pub fn trained(&self, rates: &Array1<f64>) -> Net {
        let h = TrainHyper {
            lr: rates.clone().insert_axis(Axis(1)),
            ..self.base.clone()
        };
        hyper::try_train(&h, &self.net, &self.setup).expect("a valid schedule")
    }

    /// `(validation loss, test loss, test error)` after training with `rates`.
    pub fn evaluate(&self, rates: &Array1<f64>) -> (f64, f64, f64) {
        let n = self.trained(rates);
        let logits = n.forward(&self.test.x);
        (
            batch_loss(&n, &self.validation.x, &self.validation.y),
            batch_loss(&n, &self.test.x, &self.test.y),
            classification_error(logits.view(), self.test.y.view()),
        )
    }
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub best_rate: f64,
    pub constant: (f64, f64, f64),
    pub learned: (f64, f64, f64),
    pub schedule: Array1<f64>,
    pub seconds: f64,
}

pub fn run(config: &Config) -> Outcome {
    hype::tune::for_small_arrays();
    let clock = Instant::now();
    let mut p = problem(config);
    let steps = config.steps;
    println!(
        "hype_headline: 784-300-10 feed-forward network, {steps} Nesterov(0.9) steps of 100 digits, {} validation and {} test digits",
        p.validation.len(),
        p.test.len()
    );
    if config.time {
        time_parts(&mut p, steps);
        std::process::exit(0);
    }
    // The constant rates: the best one is α₀, the seed's all-ones starting point.
    let mut best = (f64::NAN, (f64::INFINITY, f64::NAN, f64::NAN));
    for &rate in &config.grid {
        let r = p.evaluate(&Array1::from_elem(steps, rate));
        println!("  constant rate {rate:<6}: validation loss {:.5}", r.0);
        if r.0 < best.1 .0 {
            best = (rate, r);
        }
    }
    let (best_rate, constant) = best;
    p.alpha0 = best_rate;
    println!(
        "best constant rate {best_rate}: validation loss {:.5}",
        constant.0
    );

    let outer = Params::default()
        .epochs(config.epochs)
        .learning_rate(LearningRate::RmsProp {
            a0: config.outer_rate,
            k: 0.9,
        })
        .progress(true);
    let hypertrain = hype::optim::minimize(
        |x: &Array1<f64>| value_and_grad!(train)(x, &p),
        Array1::ones(steps),
        &outer,
    );
    let schedule = best_rate * &hypertrain.x;
    let learned = p.evaluate(&schedule);
    let seconds = clock.elapsed().as_secs_f64();
    println!(
        "learned rates {:.4} .. {:.4} (mean {:.4}; {} of {steps} below zero)",
        schedule.fold(f64::INFINITY, |a, &b| a.min(b)),
        schedule.fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
        schedule.mean().unwrap_or(f64::NAN),
        schedule.iter().filter(|&&a| a < 0.0).count()
    );
    println!(
        "{} hypergradients; whole run {seconds:.1} s",
        hypertrain.evaluations.gradients
    );
    println!(
        "{:<26} {:>15} {:>10} {:>10}",
        "", "validation loss", "test loss", "test error"
    );
    for (name, r) in [
        (format!("best constant rate {best_rate}"), constant),
        ("learned schedule".to_string(), learned),
    ] {
        println!(
            "{name:<26} {:>15.5} {:>10.5} {:>9.2}%",
            r.0,
            r.1,
            100.0 * r.2
        );
    }
    if let Some(dir) = &config.out {
        plot(dir, best_rate, &schedule, &hypertrain.history);
    }
    println!(
        "headline: learned {:.5} best_constant {:.5}",
        learned.0, constant.0
    );
    Outcome {
        best_rate,
        constant,
        learned,
        schedule,
        seconds,
    }
}

/// Median times of a minibatch gradient, a Hessian-vector product, one training run
/// and one hypergradient.
fn time_parts(p: &mut Problem, steps: usize) {
    let rows: Vec<usize> = p.setup.batch(0).to_vec();
    let loss = &p.setup.loss;
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..15)
            .map(|_| {
                let c = Instant::now();
                f();
                c.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[7]
    };
    let g = median(&mut || {
        std::hint::black_box(loss.gradient(&p.net, &(), &rows));
    });
    let v = p.net.clone();
    let h = median(&mut || {
        std::hint::black_box(loss.gradient_vjp(&p.net, &(), &rows, &v));
    });
    println!("minibatch gradient {g:.2} ms, Hessian-vector product {h:.2} ms");
    p.alpha0 = 0.02;
    let x = Array1::ones(steps);
    let c = Instant::now();
    std::hint::black_box(p.trained(&(0.02 * &x)));
    let t = c.elapsed().as_secs_f64();
    let c = Instant::now();
    std::hint::black_box(value_and_grad!(train)(&x, p));
    let r = c.elapsed().as_secs_f64();
    println!(
        "training ({steps} steps) {t:.2} s, hypergradient {r:.2} s ({:.1}x)",
        r / t
    );
}

/// `schedule.png` (and `hyper.png`, the validation loss by outer iteration) in `dir`.
fn plot(dir: &Path, best_rate: f64, schedule: &Array1<f64>, history: &[f64]) {
    let curves = [
        Curve::new(
            "learned schedule",
            schedule
                .iter()
                .enumerate()
                .map(|(t, &a)| (t as f64, a))
                .collect(),
        ),
        plots::constant_rate(best_rate, schedule.len()),
    ];
    plots::write_plots(
        dir,
        &[
            (
                "schedule.png",
                &curves,
                PlotOptions::default()
                    .title("learned learning-rate schedule (784-300-10, Nesterov 0.9)")
                    .labels("training step", "learning rate"),
            ),
            (
                "hyper.png",
                &[Curve::from_history("validation loss", history)],
                PlotOptions::default()
                    .title("validation loss by outer iteration")
                    .labels("outer iteration", "validation cross-entropy"),
            ),
        ],
    );
}

fn parse_args() -> Result<Config, String> {
    let mut c = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let positive = |name: &str, v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{name} takes a positive integer, not {v:?}"))
        };
        match a.as_str() {
            "--epochs" => c.epochs = positive("--epochs", value("--epochs")?)?,
            "--steps" => c.steps = positive("--steps", value("--steps")?)?,
            "--outer-rate" => {
                let v = value("--outer-rate")?;
                c.outer_rate = v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .ok_or_else(|| format!("--outer-rate takes a positive number, not {v:?}"))?
            }
            "--grid" => {
                let v = value("--grid")?;
                c.grid = v
                    .split(',')
                    .map(|s| s.trim().parse::<f64>().ok().filter(|x| *x > 0.0))
                    .collect::<Option<Vec<_>>>()
                    .filter(|g| !g.is_empty())
                    .ok_or_else(|| format!("--grid takes positive rates separated by commas, not {v:?}"))?
            }
            "--out" => c.out = Some(PathBuf::from(value("--out")?)),
            "--no-plots" => c.out = None,
            "--time" => c.time = true,
            "--sqrt" => c.sqrt = true,
            "-h" | "--help" => {
                return Err("usage: hype_headline [--epochs 50] [--steps 200] [--outer-rate 0.02] [--grid 0.01,0.02,..] [--sqrt] [--time] [--out DIR | --no-plots]".into())
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(c)
}

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
