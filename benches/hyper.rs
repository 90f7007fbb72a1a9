//! Hypergradient cost against training cost: T = 100 steps of SGD with momentum
//! (Maclaurin's form, so that every driver, reversible learning included, runs the
//! same dynamics) on L2-regularized logistic regression, 1000 examples × 50 features,
//! hyperparameters (learning rate, momentum, L2 weight). The gradient and its
//! Hessian-vector product are written by hand, sharing the forward pass.
//!
//! Criterion times each driver; a summary printed at the end gives, from one run
//! (median of 15 timings each), the ratio of every driver's time to the training
//! time (per hyperparameter for Forward-HG) and the peak stored states and bytes that
//! the drivers themselves report.
//!
//! `--instructions NAME` runs only the driver whose name starts with NAME, once to warm
//! up and once inside `measured_run`, and exits: instruction counts of one workload with
//! `valgrind --tool=callgrind --toggle-collect='*measured_run*' <binary> --instructions reverse`.

use criterion::{black_box, criterion_group, Criterion};
use hype::hyper::{
    checkpointed, forward, reverse, reversible, unroll, Checkpointing, InnerLoss, ReversibleParams,
    SgdMomentum, Stats, StepHyper,
};
use hype::prelude::*;
use std::time::Instant;

const STEPS: usize = 100;
const EXAMPLES: usize = 1000;
const FEATURES: usize = 50;

struct Logistic {
    x: Array2<f64>,
    y: Array1<f64>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl Logistic {
    fn new(seed: u64) -> Self {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let x = Array2::from_shape_fn((EXAMPLES, FEATURES), |_| next());
        let truth: Array1<f64> = (0..FEATURES).map(|_| next()).collect();
        let y = x.dot(&truth).mapv(|z| if z > 0.0 { 1.0 } else { 0.0 });
        Logistic { x, y }
    }

    fn value_and_grad(&self, w: &Array1<f64>) -> (f64, Array1<f64>) {
        let z = self.x.dot(w);
        let m = EXAMPLES as f64;
        let value = z
            .iter()
            .zip(&self.y)
            .map(|(&zi, &yi)| zi.max(0.0) + (-zi.abs()).exp().ln_1p() - yi * zi)
            .sum::<f64>()
            / m;
        let r = z.mapv(sigmoid) - &self.y;
        (value, self.x.t().dot(&r) / m)
    }
}

impl InnerLoss for Logistic {
    type Hyper = f64;
    fn gradient(&self, w: &Array1<f64>, lam: &f64) -> Array1<f64> {
        self.value_and_grad(w).1 + *lam * w
    }
    fn gradient_vjp(&self, w: &Array1<f64>, lam: &f64, v: &Array1<f64>) -> (Array1<f64>, f64) {
        let (_, hv, c) = self.gradient_and_vjp(w, lam, v);
        (hv, c)
    }
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        lam: &f64,
        dw: &Array1<f64>,
        dlam: &f64,
    ) -> Array1<f64> {
        let m = EXAMPLES as f64;
        let curv = self.x.dot(w).mapv(|z| sigmoid(z) * (1.0 - sigmoid(z)));
        self.x.t().dot(&(curv * self.x.dot(dw))) / m + *lam * dw + *dlam * w
    }
    fn gradient_and_vjp(
        &self,
        w: &Array1<f64>,
        lam: &f64,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>, f64) {
        let m = EXAMPLES as f64;
        let p = self.x.dot(w).mapv(sigmoid);
        let xv = self.x.dot(v);
        let g = self.x.t().dot(&(&p - &self.y)) / m + *lam * w;
        let hv = self.x.t().dot(&(p.mapv(|pi| pi * (1.0 - pi)) * xv)) / m + *lam * v;
        (g, hv, w.dot(v))
    }
    fn gradient_and_jvp(
        &self,
        w: &Array1<f64>,
        lam: &f64,
        dw: &Array1<f64>,
        dlam: &f64,
    ) -> (Array1<f64>, Array1<f64>) {
        let (g, hv, _) = self.gradient_and_vjp(w, lam, dw);
        (g, hv + *dlam * w)
    }
}

type State = (Array1<f64>, Array1<f64>);

struct Setup {
    dynamics: SgdMomentum<Logistic>,
    val: Logistic,
    s0: State,
    h: StepHyper<f64>,
}

fn setup() -> Setup {
    Setup {
        dynamics: SgdMomentum(Logistic::new(1)),
        val: Logistic::new(2),
        s0: (Array1::zeros(FEATURES), Array1::zeros(FEATURES)),
        h: StepHyper::constant(1.0, 0.9, 1e-3),
    }
}

fn validation(
    val: &Logistic,
) -> impl Fn(&State, &StepHyper<f64>) -> (f64, State, StepHyper<f64>) + '_ {
    move |s: &State, h: &StepHyper<f64>| {
        let (value, g) = val.value_and_grad(&s.0);
        (value, (g, Array1::zeros(FEATURES)), h.zero_like())
    }
}

/// A driver run on the setup, returning its own statistics.
type Driver = Box<dyn Fn(&Setup) -> Stats>;

/// The drivers, by name.
fn drivers() -> Vec<(&'static str, Driver)> {
    vec![
        (
            "train (no hypergradient)",
            Box::new(|s: &Setup| {
                black_box(unroll(&s.dynamics, &s.s0, &s.h, STEPS));
                Stats {
                    steps: STEPS,
                    ..Stats::default()
                }
            }),
        ),
        (
            "reverse",
            Box::new(|s: &Setup| {
                reverse(&s.dynamics, &validation(&s.val), &s.s0, &s.h, STEPS).stats
            }),
        ),
        (
            "checkpointed sqrt",
            Box::new(|s: &Setup| {
                checkpointed(
                    &s.dynamics,
                    &validation(&s.val),
                    &s.s0,
                    &s.h,
                    STEPS,
                    Checkpointing::Sqrt,
                )
                .unwrap()
                .stats
            }),
        ),
        (
            "checkpointed binomial c=10",
            Box::new(|s: &Setup| {
                checkpointed(
                    &s.dynamics,
                    &validation(&s.val),
                    &s.s0,
                    &s.h,
                    STEPS,
                    Checkpointing::Binomial { snapshots: 10 },
                )
                .unwrap()
                .stats
            }),
        ),
        (
            "reversible",
            Box::new(|s: &Setup| {
                reversible(
                    &s.dynamics,
                    &validation(&s.val),
                    &s.s0,
                    &s.h,
                    &ReversibleParams::new(STEPS),
                )
                .unwrap()
                .hypergradient
                .stats
            }),
        ),
        (
            "forward (3 hyperparameters)",
            Box::new(|s: &Setup| {
                forward(&s.dynamics, &validation(&s.val), &s.s0, &s.h, STEPS).stats
            }),
        ),
    ]
}

fn bench_hyper(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("hyper_T100_logistic_1000x50");
    group.sample_size(10);
    for (name, run) in drivers() {
        group.bench_function(name, |b| b.iter(|| run(&s)));
    }
    group.finish();
}

/// Median wall times of every driver over `rounds` rounds; each round runs every
/// driver once, so that changes in machine load affect all of them alike.
fn interleaved_medians(s: &Setup, drivers: &[(&'static str, Driver)], rounds: usize) -> Vec<f64> {
    let mut times = vec![Vec::with_capacity(rounds); drivers.len()];
    for _ in 0..rounds {
        for (i, (_, run)) in drivers.iter().enumerate() {
            let t = Instant::now();
            black_box(run(s));
            times[i].push(t.elapsed().as_secs_f64());
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            t[rounds / 2]
        })
        .collect()
}

fn summary() {
    let s = setup();
    let m = 3.0;
    let drivers = drivers();
    let medians = interleaved_medians(&s, &drivers, 21);
    let train = medians[0];
    println!(
        "\nhypergradients through T = {STEPS} steps, logistic regression {EXAMPLES}×{FEATURES}, \
         state (w, v) = {} scalars; median of 21 interleaved rounds",
        2 * FEATURES
    );
    println!(
        "{:<28} {:>8} {:>8} {:>12} {:>6} {:>6} {:>12} {:>11}",
        "driver", "ms", "÷ train", "÷ train / m", "steps", "VJPs", "peak states", "peak bytes"
    );
    for ((name, run), t) in drivers.iter().zip(medians) {
        let stats = run(&s);
        let per_hyper = if name.starts_with("forward") {
            format!("{:.2}", t / train / m)
        } else {
            "-".into()
        };
        println!(
            "{:<28} {:>8.3} {:>8.2} {:>12} {:>6} {:>6} {:>12} {:>11}",
            name,
            t * 1e3,
            t / train,
            per_hyper,
            stats.steps,
            stats.vjps.max(stats.jvps),
            stats.peak_states,
            stats.peak_bytes
        );
        if *name == "reversible" {
            println!(
                "{:<28} information buffer after training: {} bits",
                "", stats.info_bits
            );
        }
    }
}

criterion_group!(benches, bench_hyper);

/// One run of a driver, kept out of line so that callgrind can count only it.
#[inline(never)]
fn measured_run(s: &Setup, run: &Driver) -> Stats {
    black_box(run(black_box(s)))
}

/// The `--instructions NAME` mode: the named driver alone (see the module docs).
fn instructions(name: &str) {
    let s = setup();
    let drivers = drivers();
    let Some((full, run)) = drivers.iter().find(|(n, _)| n.starts_with(name)) else {
        panic!("no driver named {name}");
    };
    black_box(run(&s));
    let stats = measured_run(&s, run);
    println!(
        "{full}: {} steps, {} VJPs",
        stats.steps,
        stats.vjps.max(stats.jvps)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--instructions") {
        instructions(args.get(i + 1).map_or("", String::as_str));
        return;
    }
    benches();
    summary();
    Criterion::default().configure_from_args().final_summary();
}
