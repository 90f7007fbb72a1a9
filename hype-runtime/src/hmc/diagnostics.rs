//! Convergence and efficiency diagnostics (Vehtari, Gelman, Simpson, Carpenter and
//! Bürkner 2021, as in Stan): effective sample size from the autocorrelations of
//! several chains truncated by Geyer's initial monotone sequence, bulk ESS (on split,
//! rank-normalized chains), split R-hat (classic and rank-normalized), acceptance and
//! divergences.

use super::chains::Samples;
use super::error::HmcError;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// Mean of a slice.
fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Biased autocovariance of `x` (mean `m`) at `lag`.
fn autocov(x: &[f64], m: f64, lag: usize) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n - lag {
        s += (x[i] - m) * (x[i + lag] - m);
    }
    s / n as f64
}

fn check_chains(chains: &[Vec<f64>], needed: usize) -> Result<(), HmcError> {
    let n = chains.first().map_or(0, |c| c.len());
    if chains.is_empty() || n < needed {
        return Err(HmcError::TooFewDraws {
            what: "a diagnostic",
            needed,
            found: n,
        });
    }
    if let Some(c) = chains.iter().find(|c| c.len() != n) {
        return Err(HmcError::Dimension {
            what: "a chain given to a diagnostic",
            expected: n,
            found: c.len(),
        });
    }
    Ok(())
}

/// The effective sample size of one scalar over several chains of equal length
/// (Stan's `ess`): autocorrelations from the within-chain autocovariances and the
/// between-chain variance, summed in pairs while the pair sums stay positive and made
/// monotone (Geyer's initial monotone sequence). Autocovariances are computed lag by
/// lag only as far as the sum needs them. A constant scalar gives `NaN`.
pub fn ess(chains: &[Vec<f64>]) -> Result<f64, HmcError> {
    check_chains(chains, 4)?;
    let m_chains = chains.len() as f64;
    let n = chains[0].len();
    let nf = n as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let acov = |lag: usize| -> f64 {
        chains
            .iter()
            .zip(&means)
            .map(|(c, &m)| autocov(c, m, lag))
            .sum::<f64>()
            / m_chains
    };
    let mean_var = acov(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if chains.len() > 1 {
        let mm = mean(&means);
        var_plus += means.iter().map(|m| (m - mm) * (m - mm)).sum::<f64>() / (m_chains - 1.0);
    }
    if var_plus.is_nan() || var_plus <= 0.0 {
        return Ok(f64::NAN);
    }
    let rho = |lag: usize| 1.0 - (mean_var - acov(lag)) / var_plus;
    // Stan's layout: rho_hat[t] for t = 0..max_t, the pair sums kept while positive.
    let mut rho_hat = vec![0.0; n + 2];
    rho_hat[0] = 1.0;
    let (mut rho_even, mut rho_odd) = (1.0, rho(1));
    rho_hat[1] = rho_odd;
    let mut t = 1;
    while t + 5 < n && rho_even + rho_odd > 0.0 {
        rho_even = rho(t + 1);
        rho_odd = rho(t + 2);
        if rho_even + rho_odd >= 0.0 {
            rho_hat[t + 1] = rho_even;
            rho_hat[t + 2] = rho_odd;
        }
        t += 2;
    }
    let max_t = t;
    if rho_even > 0.0 {
        rho_hat[max_t + 1] = rho_even;
    }
    // Geyer's monotone sequence: pair sums may only decrease.
    let mut k = 1;
    while k + 3 <= max_t {
        let prev = rho_hat[k - 1] + rho_hat[k];
        if rho_hat[k + 1] + rho_hat[k + 2] > prev {
            rho_hat[k + 1] = prev / 2.0;
            rho_hat[k + 2] = prev / 2.0;
        }
        k += 2;
    }
    let draws = m_chains * nf;
    let tau = -1.0 + 2.0 * rho_hat[..max_t].iter().sum::<f64>() + rho_hat[max_t + 1];
    let tau = tau.max(1.0 / draws.log10());
    Ok(draws / tau)
}

/// Each chain cut in two halves (the first draw of an odd-length chain dropped).
pub fn split(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        let n = c.len();
        let h = n / 2;
        let start = n - 2 * h;
        out.push(c[start..start + h].to_vec());
        out.push(c[start + h..].to_vec());
    }
    out
}

/// The standard normal quantile function (Acklam's rational approximation, relative
/// error below 1.2e-9: ample for rank normalization).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let plow = 0.02425;
    if p < plow {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// Rank normalization over all chains: each draw replaced by `Φ⁻¹((r - 3/8) / (S + 1/4))`
/// of its average rank `r` among all `S` draws.
pub fn rank_normalize(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut all: Vec<(f64, usize, usize)> = Vec::new();
    for (c, chain) in chains.iter().enumerate() {
        for (i, &v) in chain.iter().enumerate() {
            all.push((v, c, i));
        }
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let s = all.len() as f64;
    let mut out: Vec<Vec<f64>> = chains.iter().map(|c| vec![0.0; c.len()]).collect();
    let mut k = 0;
    while k < all.len() {
        // Ties share their average rank.
        let mut j = k;
        while j + 1 < all.len() && all[j + 1].0 == all[k].0 {
            j += 1;
        }
        let rank = (k + j) as f64 / 2.0 + 1.0;
        let z = normal_quantile((rank - 0.375) / (s + 0.25));
        for item in &all[k..=j] {
            out[item.1][item.2] = z;
        }
        k = j + 1;
    }
    out
}

/// Bulk effective sample size: [`ess`] of the split, rank-normalized chains.
pub fn bulk_ess(chains: &[Vec<f64>]) -> Result<f64, HmcError> {
    check_chains(chains, 8)?;
    ess(&rank_normalize(&split(chains)))
}

/// The potential scale reduction `sqrt(var⁺ / W)` of the chains as given.
pub fn rhat(chains: &[Vec<f64>]) -> Result<f64, HmcError> {
    check_chains(chains, 2)?;
    let m = chains.len() as f64;
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let vars: Vec<f64> = chains
        .iter()
        .zip(&means)
        .map(|(c, &mu)| c.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / (n - 1.0))
        .collect();
    let w = mean(&vars);
    let mm = mean(&means);
    let b = if m > 1.0 {
        n * means.iter().map(|x| (x - mm) * (x - mm)).sum::<f64>() / (m - 1.0)
    } else {
        0.0
    };
    let var_plus = (n - 1.0) / n * w + b / n;
    Ok((var_plus / w).sqrt())
}

/// Classic split R-hat (Gelman et al., BDA3): [`rhat`] of the half chains.
pub fn split_rhat(chains: &[Vec<f64>]) -> Result<f64, HmcError> {
    check_chains(chains, 4)?;
    rhat(&split(chains))
}

/// Rank-normalized split R-hat: the larger of the bulk R-hat (rank-normalized draws)
/// and the tail R-hat (rank-normalized distances from the median).
pub fn rank_rhat(chains: &[Vec<f64>]) -> Result<f64, HmcError> {
    check_chains(chains, 4)?;
    let halves = split(chains);
    let bulk = rhat(&rank_normalize(&halves))?;
    let mut all: Vec<f64> = halves.iter().flatten().copied().collect();
    all.sort_by(|a, b| a.total_cmp(b));
    let median = if all.len() % 2 == 1 {
        all[all.len() / 2]
    } else {
        0.5 * (all[all.len() / 2 - 1] + all[all.len() / 2])
    };
    let folded: Vec<Vec<f64>> = halves
        .iter()
        .map(|c| c.iter().map(|v| (v - median).abs()).collect())
        .collect();
    let tail = rhat(&rank_normalize(&folded))?;
    Ok(bulk.max(tail))
}

/// Per-dimension summary of a run.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Posterior mean of each coordinate.
    pub mean: Array1<f64>,
    /// Posterior standard deviation of each coordinate.
    pub sd: Array1<f64>,
    /// Bulk ESS of each coordinate.
    pub ess_bulk: Array1<f64>,
    /// Rank-normalized split R-hat of each coordinate.
    pub rhat: Array1<f64>,
    /// Mean acceptance statistic of the draws.
    pub acceptance: f64,
    /// Divergent draws (after warm-up).
    pub divergences: usize,
    /// Gradient evaluations, warm-up included.
    pub gradient_evaluations: usize,
}

impl Summary {
    /// Summarizes `samples` (at least 8 draws per chain).
    pub fn new(samples: &Samples) -> Result<Self, HmcError> {
        let dim = samples.chains[0].draws.ncols();
        let stacked = samples.stacked();
        let mean = stacked.mean_axis(Axis(0)).expect("at least one draw");
        let sd = stacked.std_axis(Axis(0), 1.0);
        let mut ess_bulk = Array1::zeros(dim);
        let mut rhat = Array1::zeros(dim);
        for j in 0..dim {
            let chains = coordinate(samples, j);
            ess_bulk[j] = bulk_ess(&chains)?;
            rhat[j] = rank_rhat(&chains)?;
        }
        Ok(Summary {
            mean,
            sd,
            ess_bulk,
            rhat,
            acceptance: samples.acceptance(),
            divergences: samples.divergences(),
            gradient_evaluations: samples.gradient_evaluations(),
        })
    }

    /// The smallest bulk ESS over the coordinates.
    pub fn min_ess(&self) -> f64 {
        self.ess_bulk.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The largest R-hat over the coordinates.
    pub fn max_rhat(&self) -> f64 {
        self.rhat.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    /// The smallest ESS per gradient evaluation (warm-up included).
    pub fn ess_per_grad(&self) -> f64 {
        self.min_ess() / self.gradient_evaluations as f64
    }
}

/// Coordinate `j` of every chain, as one vector per chain.
pub fn coordinate(samples: &Samples, j: usize) -> Vec<Vec<f64>> {
    samples
        .chains
        .iter()
        .map(|c| c.draws.column(j).to_vec())
        .collect()
}

/// `max_j |mean_j - truth_j| / sd_j`: mean errors in posterior standard deviations.
pub fn mean_error(mean: ArrayView1<f64>, truth: ArrayView1<f64>, sd: ArrayView1<f64>) -> f64 {
    let mut e = 0.0f64;
    for j in 0..mean.len() {
        e = e.max((mean[j] - truth[j]).abs() / sd[j]);
    }
    e
}

/// `max_ij |Ĉ_ij - C_ij| / sqrt(C_ii C_jj)`: the largest covariance error over all
/// entries, in units of the exact standard deviations (on the diagonal, the relative
/// error of a variance; off it, the error of a correlation). Unlike a relative error of
/// each entry it stays defined where `C_ij` is near zero, and every entry's sampling
/// error has about the same scale, `sqrt((1 + ρ_ij²) / ESS)`, so the largest is a fair
/// summary.
pub fn covariance_error(estimate: ArrayView2<f64>, truth: ArrayView2<f64>) -> f64 {
    let sd = truth.diag().mapv(f64::sqrt);
    let mut e = 0.0f64;
    for ((i, j), c) in truth.indexed_iter() {
        e = e.max((estimate[[i, j]] - c).abs() / (sd[i] * sd[j]));
    }
    e
}

/// `‖Ĉ - C‖_F / ‖C‖_F`: the relative covariance error in the Frobenius norm (dominated
/// by the large-variance directions).
pub fn frobenius_error(estimate: ArrayView2<f64>, truth: ArrayView2<f64>) -> f64 {
    let diff = &estimate - &truth;
    (diff.iter().map(|v| v * v).sum::<f64>() / truth.iter().map(|v| v * v).sum::<f64>()).sqrt()
}

/// The sample covariance of the rows of `draws` (denominator `n - 1`).
pub fn sample_covariance(draws: ArrayView2<f64>) -> Array2<f64> {
    let n = draws.nrows() as f64;
    let mean = draws
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(draws.ncols()));
    let centred = &draws - &mean;
    centred.t().dot(&centred) / (n - 1.0)
}
