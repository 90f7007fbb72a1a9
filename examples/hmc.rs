//! Hamiltonian Monte Carlo on five targets, one command each:
//!
//! ```sh
//! cargo run --release --example hmc -- gauss2d    # 2-D Gaussian, correlation 0.9
//! cargo run --release --example hmc -- gauss100   # 100-D, variances over three decades, rotated
//! cargo run --release --example hmc -- logistic   # Bayesian logistic regression, digits 3 vs 5
//! cargo run --release --example hmc -- funnel     # Neal's funnel (10-D): divergences reported
//! cargo run --release --example hmc -- tuned      # hypergradient-tuned HMC vs dual averaging
//! ```
//!
//! Options after the target: `--chains N`, `--warmup N`, `--draws N`, `--seed N`,
//! `--dense` or `--diagonal` (the mass matrix the warm-up adapts: dense by default for
//! the rotated `gauss100`, diagonal otherwise), `--target-accept A` (dual averaging's
//! target, 0.8), `--plots DIR` (default `target/hmc`). For `gauss2d` and `gauss100`
//! only: `--exact-metric EPS` samples with the exact covariance as the inverse metric
//! and step size `EPS`, no adaptation (the best metric any warm-up could find), and
//! `--static L` uses static HMC with `L` leapfrog steps (step jitter 0.2) for NUTS.
//! Each run ends with one line
//! `TARGET: mean_err .. cov_err .. acceptance .. rhat .. ess_per_grad ..`:
//! the largest |mean error| in exact posterior standard deviations; the largest error
//! of any covariance entry in units of the exact standard deviations,
//! `max_ij |Ĉ_ij - C_ij| / sqrt(C_ii C_jj)` (on the diagonal the relative error of a
//! variance, off it the error of a correlation: unlike a relative error of each entry it
//! is defined for the near-zero covariances of a rotated target, and every entry's
//! sampling error has about the same scale); the mean acceptance statistic, the largest
//! rank-normalized split R-hat and the smallest bulk ESS per gradient evaluation (warm-up
//! included); `-` where there is no exact answer. For `gauss2d` and `gauss100` the
//! run records each draw's trajectory ([`hmc::Settings::rao_blackwell`]) and the final
//! line's `mean_err` and `cov_err` are those of the Rao–Blackwellized estimates
//! ([`hmc::Estimator::RaoBlackwell`]: each draw replaced by the multinomial-weighted
//! average over its NUTS trajectory; the draws themselves are unchanged). The lines
//! before it give both: `covariance (draws)` the plain draws' errors,
//! `covariance (Rao–Blackwellized over the trajectories)` the estimator's, each with
//! the largest relative variance error, the relative Frobenius error and the smallest
//! ESS of the squared deviations; and the same errors for as many exact independent
//! draws: the floor that the plain draws cannot beat on average (the Rao–Blackwellized
//! estimate averages many points per draw and can).

use hype::data::mnist;
use hype::hmc::{
    self, plot, Metric, MetricKind, Nuts, Samples, Settings, StaticHmc, Summary, TuneSettings,
};
use hype::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

/// A Gaussian with precision `prec`.
#[differentiable(order = 2)]
fn gauss(x: &Array1<f64>, #[constant] prec: &Array2<f64>) -> f64 {
    -0.5 * x.dot(&prec.dot(x))
}

/// Bayesian logistic regression: Bernoulli likelihood of the labels `y` given `x w`,
/// standard normal prior on the weights (the last column of `x` is the intercept).
#[differentiable]
fn logistic(w: &Array1<f64>, #[constant] x: &Array2<f64>, #[constant] y: &Array1<f64>) -> f64 {
    let z = x.dot(w);
    y.dot(&z) - ops::softplus(&z).sum() - 0.5 * w.dot(w)
}

/// Neal's funnel: `v ~ N(0, 3²)`, `x_i | v ~ N(0, e^v)`, with `v = x[0]`.
#[differentiable]
fn funnel(x: &Array1<f64>) -> f64 {
    let v = x[0];
    let mut s = -v * v / 18.0;
    for i in 1..x.len() {
        s = s - 0.5 * x[i] * x[i] * (-v).exp() - 0.5 * v;
    }
    s
}

/// splitmix64 (the same stream as `benches/compare/hmc_blackjax.py`, so both build the
/// same rotation).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform on (0, 1): 53 random bits, offset by half a unit.
    fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// A standard normal (Box–Muller, cosine branch only).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// The covariance of `gauss100`: variances `10^(3 i / 99 - 2)` (0.01 to 10), rotated by
/// an orthogonal matrix from Gram–Schmidt on a Gaussian matrix (seed 2026).
fn gauss100_cov() -> Array2<f64> {
    let d = 100;
    let mut rng = SplitMix(2026);
    let mut q = Array2::<f64>::from_shape_fn((d, d), |_| rng.normal());
    // Modified Gram–Schmidt on the columns.
    for j in 0..d {
        for k in 0..j {
            let r = q.column(j).dot(&q.column(k));
            let ck = q.column(k).to_owned();
            q.column_mut(j).scaled_add(-r, &ck);
        }
        let n = q.column(j).dot(&q.column(j)).sqrt();
        q.column_mut(j).mapv_inplace(|v| v / n);
    }
    let var = Array1::from_shape_fn(d, |i| 10f64.powf(3.0 * i as f64 / 99.0 - 2.0));
    let qs = &q * &var.view().insert_axis(Axis(0));
    let c = qs.dot(&q.t());
    (&c + &c.t()) * 0.5
}

/// Inverse of a symmetric positive definite matrix (Cholesky).
fn spd_inverse(a: &Array2<f64>) -> Array2<f64> {
    let m = Metric::mass_dense(a.clone()).expect("positive definite");
    match m {
        Metric::Dense { inv, .. } => inv,
        Metric::Diagonal { .. } => unreachable!(),
    }
}

/// Digits 3 and 5 of the bundled training set: 4 × 4 average-pooled pixels (49),
/// standardized, and an intercept column; labels 1 for a 5.
fn digits_3_vs_5(limit: usize) -> (Array2<f64>, Array1<f64>) {
    let data = mnist::load().expect("the bundled MNIST digits");
    let rows: Vec<usize> = (0..data.train_labels.len())
        .filter(|&i| data.train_labels[i] == 3 || data.train_labels[i] == 5)
        .take(limit)
        .collect();
    let mut x = Array2::<f64>::zeros((rows.len(), 50));
    for (r, &i) in rows.iter().enumerate() {
        let img = data.train_images.row(i);
        for by in 0..7 {
            for bx in 0..7 {
                let mut s = 0.0;
                for y in 0..4 {
                    for xx in 0..4 {
                        s += img[(4 * by + y) * 28 + 4 * bx + xx];
                    }
                }
                x[[r, 7 * by + bx]] = s / 16.0;
            }
        }
        x[[r, 49]] = 1.0;
    }
    for j in 0..49 {
        let col = x.column(j);
        let m = col.mean().unwrap();
        let sd = col.std(0.0).max(1e-3);
        x.column_mut(j).mapv_inplace(|v| (v - m) / sd);
    }
    let y = Array1::from_iter(rows.iter().map(|&i| f64::from(data.train_labels[i] == 5)));
    (x, y)
}

struct Options {
    target: String,
    chains: usize,
    warmup: usize,
    draws: usize,
    seed: u64,
    /// `Some(true)` for `--dense`, `Some(false)` for `--diagonal`, else the target's own.
    dense: Option<bool>,
    /// Dual averaging's target acceptance statistic (Stan's 0.8).
    target_accept: f64,
    /// `--exact-metric EPS`: the exact covariance as the inverse metric and step size
    /// `EPS`, no adaptation (Gaussian targets; what no warm-up can beat).
    exact_metric: Option<f64>,
    /// `--static L`: static HMC with `L` leapfrog steps (step jitter 0.2) instead of NUTS
    /// (Gaussian targets).
    static_steps: Option<usize>,
    plots: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .ok_or("usage: hmc TARGET [--chains N] [--warmup N] [--draws N] [--seed N] [--dense | --diagonal] [--target-accept A] [--exact-metric EPS] [--static L] [--plots DIR]; TARGET: gauss2d, gauss100, logistic, funnel, tuned")?;
    let mut o = Options {
        target,
        chains: 4,
        warmup: 1000,
        draws: 2500,
        seed: 1,
        dense: None,
        target_accept: 0.8,
        exact_metric: None,
        static_steps: None,
        plots: PathBuf::from("target/hmc"),
    };
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--chains" => {
                o.chains = value("--chains")?
                    .parse()
                    .map_err(|e| format!("--chains: {e}"))?
            }
            "--warmup" => {
                o.warmup = value("--warmup")?
                    .parse()
                    .map_err(|e| format!("--warmup: {e}"))?
            }
            "--draws" => {
                o.draws = value("--draws")?
                    .parse()
                    .map_err(|e| format!("--draws: {e}"))?
            }
            "--seed" => {
                o.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--target-accept" => {
                o.target_accept = value("--target-accept")?
                    .parse()
                    .map_err(|e| format!("--target-accept: {e}"))?
            }
            "--exact-metric" => {
                o.exact_metric = Some(
                    value("--exact-metric")?
                        .parse()
                        .map_err(|e| format!("--exact-metric: {e}"))?,
                )
            }
            "--static" => {
                o.static_steps = Some(
                    value("--static")?
                        .parse()
                        .map_err(|e| format!("--static: {e}"))?,
                )
            }
            "--dense" => o.dense = Some(true),
            "--diagonal" => o.dense = Some(false),
            "--plots" => o.plots = PathBuf::from(value("--plots")?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// Starting points: independent draws from N(0, scale² I).
fn inits(chains: usize, dim: usize, scale: f64, seed: u64) -> Vec<Array1<f64>> {
    let mut rng = hmc::SamplerRng::new(seed ^ 0x5eed);
    (0..chains).map(|_| scale * &rng.normals(dim)).collect()
}

/// The figures of the final line, from the draws (Rao–Blackwellized when the run
/// recorded trajectories; both are printed) and the exact moments when known:
/// `mean_err` (largest |mean error| in exact sds) and `cov_err`
/// ([`hmc::covariance_error`]: the largest error of any covariance entry in units of the
/// exact sds, `|Ĉ_ij - C_ij| / sqrt(C_ii C_jj)`). Printed beside them: the largest
/// relative variance error, the relative Frobenius error, the smallest ESS of the
/// squared deviations (what limits the precision of `cov_err`), and the same two
/// covariance errors for as many exact independent draws (mean ± sd over 10 seeded
/// replicates): the floor that no sampler's draws can beat on average.
fn figures(
    samples: &Samples,
    truth: Option<(&Array1<f64>, &Array2<f64>)>,
) -> (Option<f64>, Option<f64>) {
    let Some((mean, cov)) = truth else {
        return (None, None);
    };
    let all = samples.stacked();
    let m = all.mean_axis(Axis(0)).unwrap();
    let c = hmc::sample_covariance(all.view());
    let sd = cov.diag().mapv(f64::sqrt);
    let mean_err = hmc::diagnostics::mean_error(m.view(), mean.view(), sd.view());
    let cov_err = hmc::covariance_error(c.view(), cov.view());
    let fro = hmc::frobenius_error(c.view(), cov.view());
    let var_err = (0..cov.nrows())
        .map(|i| (c[[i, i]] / cov[[i, i]] - 1.0).abs())
        .fold(0.0f64, f64::max);
    // The variance estimates' own precision: ESS of the squared deviations.
    let mut ess_sq = f64::INFINITY;
    for i in 0..cov.nrows() {
        let sq: Vec<Vec<f64>> = samples
            .chains
            .iter()
            .map(|ch| {
                ch.draws
                    .column(i)
                    .iter()
                    .map(|x| (x - mean[i]).powi(2))
                    .collect()
            })
            .collect();
        ess_sq = ess_sq.min(hmc::diagnostics::ess(&sq).unwrap_or(f64::NAN));
    }
    // Exact independent draws x = m + L z, C = L Lᵀ, as many as the chains kept.
    let l = hmc::mass::cholesky(cov, "the exact covariance").expect("positive definite");
    let mut rng = hmc::SamplerRng::new(0x11d);
    let (mut ref_cov, mut ref_fro) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let z = Array2::from_shape_vec(all.dim(), rng.normals(all.len()).to_vec())
            .expect("n × d normals");
        let x = z.dot(&l.t()) + mean;
        let ci = hmc::sample_covariance(x.view());
        ref_cov.push(hmc::covariance_error(ci.view(), cov.view()));
        ref_fro.push(hmc::frobenius_error(ci.view(), cov.view()));
    }
    let mean_sd = |v: &[f64]| {
        let mu = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0);
        (mu, var.sqrt())
    };
    let ((rc, rcs), (rf, rfs)) = (mean_sd(&ref_cov), mean_sd(&ref_fro));
    println!(
        "covariance (draws): largest entry error in sd units (cov_err) {cov_err:.4}, largest relative variance error {var_err:.4}, relative Frobenius error {fro:.4}; min ESS of the squared deviations {ess_sq:.0} of {} draws; mean_err {mean_err:.4}",
        all.nrows()
    );
    println!(
        "covariance: {} exact independent draws give cov_err {rc:.4} ± {rcs:.4} and Frobenius {rf:.4} ± {rfs:.4}",
        all.nrows()
    );
    if samples.chains.iter().all(|c| c.trajectory.is_some()) {
        // The same figures for the Rao–Blackwellized estimates (trajectory-weighted).
        let rb = hmc::Estimator::RaoBlackwell;
        let m = samples.mean(rb).expect("recorded trajectories");
        let c = samples.covariance(rb).expect("recorded trajectories");
        let rb_mean_err = hmc::diagnostics::mean_error(m.view(), mean.view(), sd.view());
        let rb_cov_err = hmc::covariance_error(c.view(), cov.view());
        let fro = hmc::frobenius_error(c.view(), cov.view());
        let var_err = (0..cov.nrows())
            .map(|i| (c[[i, i]] / cov[[i, i]] - 1.0).abs())
            .fold(0.0f64, f64::max);
        // ESS of each draw's conditional squared deviation E[(q_i - μ_i)² | trajectory],
        // in exact draws: scaled by Var((q_i - μ_i)²) = 2 C_ii² over the conditional
        // terms' own variance (smaller than the draws': that is the gain).
        let mut ess_sq = f64::INFINITY;
        for i in 0..cov.nrows() {
            let sq: Vec<Vec<f64>> = samples
                .chains
                .iter()
                .filter_map(|ch| ch.trajectory.as_ref())
                .map(|t| {
                    let b = t.shift[i] - mean[i];
                    (0..t.means.nrows())
                        .map(|k| {
                            t.squares[[k, i]] + 2.0 * b * (t.means[[k, i]] - t.shift[i]) + b * b
                        })
                        .collect()
                })
                .collect();
            let flat: Vec<f64> = sq.iter().flatten().copied().collect();
            let mu = flat.iter().sum::<f64>() / flat.len() as f64;
            let var =
                flat.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (flat.len() as f64 - 1.0);
            let exact_var = 2.0 * cov[[i, i]] * cov[[i, i]];
            ess_sq = ess_sq.min(hmc::diagnostics::ess(&sq).unwrap_or(f64::NAN) * exact_var / var);
        }
        println!(
            "covariance (Rao–Blackwellized over the trajectories): cov_err {rb_cov_err:.4}, largest relative variance error {var_err:.4}, relative Frobenius error {fro:.4}; min ESS of the squared deviations {ess_sq:.0} (in exact draws); mean_err {rb_mean_err:.4}"
        );
        return (Some(rb_mean_err), Some(rb_cov_err));
    }
    (Some(mean_err), Some(cov_err))
}

fn fmt(x: Option<f64>, digits: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// Prints the run's details and its final line; writes the plots of coordinate `j`.
#[allow(clippy::too_many_arguments)]
fn report(
    name: &str,
    samples: &Samples,
    seconds: f64,
    truth: Option<(&Array1<f64>, &Array2<f64>)>,
    errors: Option<(Option<f64>, Option<f64>)>,
    plots: &PathBuf,
    j: usize,
    label: &str,
) {
    let summary = Summary::new(samples).expect("enough draws for the diagnostics");
    let (mean_err, cov_err) = errors.unwrap_or_else(|| figures(samples, truth));
    let grads = summary.gradient_evaluations;
    let warm: usize = samples.chains.iter().map(|c| c.warmup_grads).sum();
    let warm_div: usize = samples.chains.iter().map(|c| c.warmup_divergences).sum();
    let steps: Vec<String> = samples
        .chains
        .iter()
        .map(|c| format!("{:.4}", c.step_size))
        .collect();
    let depth: f64 = samples
        .chains
        .iter()
        .flat_map(|c| c.depth.iter())
        .sum::<usize>() as f64
        / samples.chains.iter().map(|c| c.depth.len()).sum::<usize>() as f64;
    println!(
        "{name}: {} chains × {} draws, step sizes [{}], mean tree depth {depth:.2}",
        samples.chains.len(),
        samples.chains[0].draws.nrows(),
        steps.join(", ")
    );
    println!(
        "{name}: divergences {} after warm-up ({} during warm-up); gradient evaluations {grads} ({warm} in warm-up)",
        summary.divergences, warm_div
    );
    println!(
        "{name}: min bulk ESS {:.0}, {:.0} ESS/s ({seconds:.2} s with warm-up)",
        summary.min_ess(),
        summary.min_ess() / seconds
    );
    if std::fs::create_dir_all(plots).is_ok() {
        let trace = plots.join(format!("{name}_trace.png"));
        let density = plots.join(format!("{name}_density.png"));
        let exact = truth.map(|(m, c)| (m[j], c[[j, j]].sqrt()));
        let f = exact.map(|(mu, sd)| {
            move |x: f64| {
                let z = (x - mu) / sd;
                (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
            }
        });
        let ok = plot::trace(&trace, samples, j, label).is_ok()
            && plot::marginal(
                &density,
                samples,
                j,
                label,
                40,
                f.as_ref().map(|g| g as &dyn Fn(f64) -> f64),
            )
            .is_ok();
        if ok {
            println!(
                "{name}: plots {} and {}",
                trace.display(),
                density.display()
            );
        }
    }
    println!(
        "{name}: mean_err {} cov_err {} acceptance {:.3} rhat {:.4} ess_per_grad {:.4}",
        fmt(mean_err, 3),
        fmt(cov_err, 3),
        summary.acceptance,
        summary.max_rhat(),
        summary.ess_per_grad()
    );
}

fn settings(o: &Options) -> Settings {
    Settings::default()
        .chains(o.chains)
        .warmup(o.warmup)
        .draws(o.draws)
        .seed(o.seed)
        .target_accept(o.target_accept)
        // A dense metric by default where the target is rotated (gauss100).
        .metric(if o.dense.unwrap_or(o.target == "gauss100") {
            MetricKind::Dense
        } else {
            MetricKind::Diagonal
        })
        .progress(true)
}

fn run_gauss(o: &Options, name: &str, cov: Array2<f64>) -> Result<(), String> {
    let prec = spd_inverse(&cov);
    let d = cov.nrows();
    let t = hmc::density(d, |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec));
    let mut set = settings(o).rao_blackwell(true);
    if let Some(eps) = o.exact_metric {
        let exact = Metric::inverse_dense(cov.clone()).map_err(|e| e.to_string())?;
        set = set.fixed(eps, exact);
    }
    let init = inits(o.chains, d, 1.0, o.seed);
    let start = Instant::now();
    let s = match o.static_steps {
        Some(l) => hmc::sample(&t, &StaticHmc::new(l).jitter(0.2), &init, &set),
        None => hmc::sample(&t, &Nuts::default(), &init, &set),
    }
    .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    let mean = Array1::zeros(d);
    report(name, &s, secs, Some((&mean, &cov)), None, &o.plots, 0, "x0");
    Ok(())
}

fn run_logistic(o: &Options) -> Result<(), String> {
    let (x, y) = digits_3_vs_5(500);
    let t = hmc::density(50, |w: &Array1<f64>| value_and_grad!(logistic)(w, &x, &y));
    let start = Instant::now();
    let s = hmc::sample(
        &t,
        &Nuts::default(),
        &inits(o.chains, 50, 0.5, o.seed),
        &settings(o),
    )
    .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    // Posterior predictive accuracy on the training digits (a sanity check of the fit).
    let all = s.stacked();
    let w = all.mean_axis(Axis(0)).unwrap();
    let z = x.dot(&w);
    let acc = z
        .iter()
        .zip(y.iter())
        .filter(|(z, y)| (**z > 0.0) == (**y > 0.5))
        .count() as f64
        / y.len() as f64;
    println!(
        "logistic: {} digits (3 vs 5), 49 pooled pixels + intercept; training accuracy of the posterior mean {:.1}%",
        y.len(),
        100.0 * acc
    );
    report("logistic", &s, secs, None, None, &o.plots, 49, "intercept");
    Ok(())
}

fn run_funnel(o: &Options) -> Result<(), String> {
    let d = 10;
    let t = hmc::density(d, |x: &Array1<f64>| value_and_grad!(funnel)(x));
    let start = Instant::now();
    let s = hmc::sample(
        &t,
        &Nuts::default(),
        &inits(o.chains, d, 1.0, o.seed),
        &settings(o),
    )
    .map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    // Exact for v: mean 0, sd 3. The x_i have heavy tails (variance e^{9/2}), left out.
    let v: Vec<f64> = s.stacked().column(0).to_vec();
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    let below = v.iter().filter(|x| **x < -3.0).count() as f64 / n;
    println!(
        "funnel: v mean {mean:.3} (exact 0), sd {:.3} (exact 3), P(v < -3) {below:.4} (exact 0.1587): the neck is under-visited",
        var.sqrt()
    );
    let errors = (Some(mean.abs() / 3.0), Some((var - 9.0).abs() / 9.0));
    report("funnel", &s, secs, None, Some(errors), &o.plots, 0, "v");
    Ok(())
}

/// The condition number of the precision `prec` as the integrator sees it under
/// `metric` (`M⁻¹ = L Lᵀ`: `Lᵀ P L`), by power iteration on it and on its inverse: 1 for
/// the ideal metric, and the step size NUTS can take shrinks with its square root.
fn conditioning(metric: &Metric, prec: &Array2<f64>) -> f64 {
    let l = match metric {
        Metric::Dense { chol, .. } => chol.clone(),
        Metric::Diagonal { inv } => Array2::from_diag(&inv.mapv(f64::sqrt)),
    };
    let s = l.t().dot(prec).dot(&l);
    let top = |m: &Array2<f64>| {
        let mut v = Array1::from_shape_fn(m.nrows(), |i| 1.0 + (i as f64).sin());
        let mut lambda = 0.0;
        for _ in 0..3000 {
            let w = m.dot(&v);
            lambda = w.dot(&v) / v.dot(&v);
            v = &w / w.dot(&w).sqrt();
        }
        lambda
    };
    top(&s) * top(&spd_inverse(&((&s + &s.t()) * 0.5)))
}

/// Prints `label: ESS per gradient x against y (+z%)`.
fn versus(label: &str, ours: &Summary, base: &Summary, base_name: &str) {
    println!(
        "{label}: ESS per gradient {:.5} against {base_name}'s {:.5} ({:+.0}%)",
        ours.ess_per_grad(),
        base.ess_per_grad(),
        100.0 * (ours.ess_per_grad() / base.ess_per_grad() - 1.0)
    );
}

/// Hypergradient tuning against Stan's warm-up (dual averaging and windowed mass
/// adaptation) on gauss100, twice: static HMC with a diagonal mass matrix tuned through
/// 20-step trajectories, and NUTS with a dense mass matrix tuned through 3-step ones.
/// The tuning's gradient evaluations count in ESS per gradient, each Hessian-vector
/// product as two. With the dense factor the hypergradient loses to Stan's dense
/// warm-up: the precision seen through its factor keeps a condition number near 150
/// (Stan's windowed covariance: 9), so NUTS needs deeper trees. The line
/// `tuned_from_warmup` starts the same tuning from the dense warm-up's factor (charged
/// with that warm-up): it makes the factor worse, not better.
fn run_tuned(o: &Options) -> Result<(), String> {
    let cov = gauss100_cov();
    let prec = spd_inverse(&cov);
    let d = 100;
    let t = hmc::density_with_hvp(
        d,
        |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec),
        |x: &Array1<f64>, v: &Array1<f64>| hvp!(gauss)(x, &prec, v),
    );
    let mean = Array1::zeros(d);
    let truth = Some((&mean, &cov));
    let init = inits(o.chains, d, 1.0, o.seed);
    let summary = |s: &Samples| Summary::new(s).map_err(|e| e.to_string());

    // 1. Static HMC, 20 steps: dual averaging against log-ESJD ascent.
    let steps = 20;
    let kernel = StaticHmc::new(steps).jitter(0.1);
    let start = Instant::now();
    let base = hmc::sample(&t, &kernel, &init, &settings(o)).map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    report(
        "static_dual_averaging",
        &base,
        secs,
        truth,
        None,
        &o.plots,
        0,
        "x0",
    );
    let start = Instant::now();
    let iterations = (o.warmup / 3).max(10);
    let tuned = hmc::tune(
        &t,
        &init,
        &TuneSettings {
            steps,
            iterations,
            learning_rate: 0.05,
            seed: o.seed,
        },
    )
    .map_err(|e| e.to_string())?;
    let tune_secs = start.elapsed().as_secs_f64();
    let n = tuned.history.len();
    let k = 10.min(n);
    println!(
        "static_tuned: {iterations} hypergradient iterations ({tune_secs:.2} s), acceptance {:.2} → {:.2}, step size {:.4}; {} gradients + {} Hessian-vector products",
        tuned.acceptance[..k].iter().sum::<f64>() / k as f64,
        tuned.acceptance[n - k..].iter().sum::<f64>() / k as f64,
        tuned.step_size,
        tuned.n_grad,
        tuned.n_hvp
    );
    let start = Instant::now();
    let mut s = hmc::sample(
        &t,
        &kernel,
        &tuned.walkers,
        &settings(o)
            .warmup(0)
            .fixed(tuned.step_size, tuned.metric.clone()),
    )
    .map_err(|e| e.to_string())?;
    let secs = tune_secs + start.elapsed().as_secs_f64();
    s.chains[0].warmup_grads += tuned.n_grad + 2 * tuned.n_hvp;
    report("static_tuned", &s, secs, truth, None, &o.plots, 0, "x0");
    versus(
        "static_tuned",
        &summary(&s)?,
        &summary(&base)?,
        "dual averaging",
    );

    // 2. NUTS: Stan's warm-up (diagonal) against the hypergradient-learned dense factor.
    let start = Instant::now();
    let base = hmc::sample(&t, &Nuts::default(), &init, &settings(o)).map_err(|e| e.to_string())?;
    let base_secs = start.elapsed().as_secs_f64();
    report(
        "nuts_dual_averaging",
        &base,
        base_secs,
        truth,
        None,
        &o.plots,
        0,
        "x0",
    );
    let start = Instant::now();
    let dense_base = hmc::sample(
        &t,
        &Nuts::default(),
        &init,
        &settings(o).metric(MetricKind::Dense),
    )
    .map_err(|e| e.to_string())?;
    let dense_base_secs = start.elapsed().as_secs_f64();
    report(
        "nuts_dense_dual_averaging",
        &dense_base,
        dense_base_secs,
        truth,
        None,
        &o.plots,
        0,
        "x0",
    );
    let start = Instant::now();
    let dense = hmc::tune_dense(
        &t,
        &init,
        &hmc::DenseTuneSettings {
            steps: 3,
            iterations: 3 * o.warmup,
            learning_rate: 0.02,
            target_accept: 0.75,
            seed: o.seed,
            off_diagonal_scale: 1.0,
            average_from: 0.5,
            init_factor: None,
        },
    )
    .map_err(|e| e.to_string())?;
    let dense_secs = start.elapsed().as_secs_f64();
    let n = dense.history.len();
    let k = 10.min(n);
    println!(
        "tuned: {n} hypergradient iterations of a dense Cholesky factor ({dense_secs:.2} s), acceptance {:.2} → {:.2}; {} gradients + {} Hessian-vector products",
        dense.acceptance[..k].iter().sum::<f64>() / k as f64,
        dense.acceptance[n - k..].iter().sum::<f64>() / k as f64,
        dense.n_grad,
        dense.n_hvp
    );
    let _ = std::fs::create_dir_all(&o.plots);
    let _ = hype::report::plot_curves(
        o.plots.join("tuned_acceptance.png"),
        &[hype::report::Curve::from_history(
            "mean acceptance",
            &dense.acceptance,
        )],
        &hype::report::PlotOptions::default().labels("iteration", "acceptance"),
    );
    let start = Instant::now();
    let mut nd = hmc::sample(
        &t,
        &Nuts::default(),
        &dense.walkers,
        &settings(o).warmup(0).fixed(1.0, dense.metric.clone()),
    )
    .map_err(|e| e.to_string())?;
    let nd_secs = dense_secs + start.elapsed().as_secs_f64();
    nd.chains[0].warmup_grads += dense.n_grad + 2 * dense.n_hvp;
    println!(
        "tuned: condition number of the precision under the metric: {:.0} (identity), {:.1} (Stan, diagonal), {:.1} (Stan, dense), {:.1} (hypergradient, dense)",
        conditioning(&Metric::identity(d), &prec),
        conditioning(&base.chains[0].metric, &prec),
        conditioning(&dense_base.chains[0].metric, &prec),
        conditioning(&dense.metric, &prec)
    );
    let (ours, theirs, dense_theirs) = (summary(&nd)?, summary(&base)?, summary(&dense_base)?);
    versus("tuned", &ours, &theirs, "dual averaging (diagonal)");
    versus("tuned", &ours, &dense_theirs, "dual averaging (dense)");
    println!(
        "tuned: {:.0} ESS/s against dual averaging's {:.0} ESS/s (diagonal) and {:.0} ESS/s (dense)",
        ours.min_ess() / nd_secs,
        theirs.min_ess() / base_secs,
        dense_theirs.min_ess() / dense_base_secs
    );
    // The same tuning started from the warm-up's answer (chain 0's `ε L`, `M⁻¹ = L Lᵀ`)
    // at a quarter of the rate, charged with the whole dense warm-up: the
    // hypergradient's noise on the 4,950 off-diagonal entries makes the factor worse
    // than the windowed covariance estimate it starts from.
    let c0 = &dense_base.chains[0];
    let Metric::Dense { chol, .. } = &c0.metric else {
        return Err("the dense warm-up gave a diagonal metric".into());
    };
    let from_warmup = hmc::tune_dense(
        &t,
        &dense_base
            .chains
            .iter()
            .map(|c| c.draws.row(c.draws.nrows() - 1).to_owned())
            .collect::<Vec<_>>(),
        &hmc::DenseTuneSettings {
            steps: 3,
            iterations: o.warmup,
            learning_rate: 0.005,
            target_accept: 0.75,
            seed: o.seed,
            off_diagonal_scale: 1.0,
            average_from: 0.5,
            init_factor: Some(chol * c0.step_size),
        },
    )
    .map_err(|e| e.to_string())?;
    let mut fw = hmc::sample(
        &t,
        &Nuts::default(),
        &from_warmup.walkers,
        &settings(o).warmup(0).fixed(1.0, from_warmup.metric.clone()),
    )
    .map_err(|e| e.to_string())?;
    let dense_warmup: usize = dense_base.chains.iter().map(|c| c.warmup_grads).sum();
    fw.chains[0].warmup_grads += dense_warmup + from_warmup.n_grad + 2 * from_warmup.n_hvp;
    let fws = summary(&fw)?;
    println!(
        "tuned_from_warmup: {} iterations from the dense warm-up's factor: condition number {:.1} (from {:.1}); ESS per gradient {:.5} against dual averaging (dense)'s {:.5}, warm-up included",
        o.warmup,
        conditioning(&from_warmup.metric, &prec),
        conditioning(&c0.metric, &prec),
        fws.ess_per_grad(),
        dense_theirs.ess_per_grad()
    );
    report("tuned", &nd, nd_secs, truth, None, &o.plots, 0, "x0");
    Ok(())
}

fn main() {
    hype::tune::for_small_arrays();
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let r = match o.target.as_str() {
        "gauss2d" => run_gauss(&o, "gauss2d", array![[1.0, 0.9], [0.9, 1.0]]),
        "gauss100" => run_gauss(&o, "gauss100", gauss100_cov()),
        "logistic" => run_logistic(&o),
        "funnel" => run_funnel(&o),
        "tuned" => run_tuned(&o),
        other => Err(format!(
            "unknown target {other}: gauss2d, gauss100, logistic, funnel or tuned"
        )),
    };
    if let Err(e) = r {
        eprintln!("hmc: {e}");
        std::process::exit(1);
    }
}
