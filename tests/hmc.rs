//! Hamiltonian Monte Carlo: the integrator's geometry (reversibility, volume), detailed
//! balance on a 1-D target, a short seeded 2-D run, bad input, and the hypergradient of
//! the tuning objective against central differences and against the transform's own
//! reverse mode through a leapfrog written as a `#[differentiable]` function.

use hype::hmc::{
    self, diagnostics, leapfrog, HmcError, LogDensity, Metric, MetricKind, Nuts, PhasePoint,
    SamplerRng, Settings, StaticHmc, Summary,
};
use hype::prelude::*;

/// A smooth non-Gaussian log density with a non-constant Hessian.
#[differentiable(order = 2)]
fn wavy(x: &Array1<f64>) -> f64 {
    let a = x[0] * x[1];
    -0.5 * x.dot(x) - 0.3 * a.sin() - 0.05 * x[2] * x[2] * x[2] * x[2] + 0.2 * x[0]
}

fn wavy_target() -> impl LogDensity {
    hmc::density_with_hvp(
        3,
        |x: &Array1<f64>| value_and_grad!(wavy)(x),
        |x: &Array1<f64>, v: &Array1<f64>| hvp!(wavy)(x, v),
    )
}

/// The standard Gumbel density `exp(-(x + e^{-x}))`, skewed.
#[differentiable]
fn gumbel(x: &Array1<f64>) -> f64 {
    -(x[0] + (-x[0]).exp())
}

/// A correlated Gaussian with precision `prec`.
#[differentiable]
fn gauss(x: &Array1<f64>, #[constant] prec: &Array2<f64>) -> f64 {
    -0.5 * x.dot(&prec.dot(x))
}

fn dense_metric() -> Metric {
    Metric::inverse_dense(array![[1.3, 0.4, -0.2], [0.4, 0.8, 0.1], [-0.2, 0.1, 0.6]]).unwrap()
}

#[test]
fn leapfrog_is_reversible() {
    let t = wavy_target();
    for metric in [
        Metric::inverse_diagonal(array![0.7, 1.4, 0.9]).unwrap(),
        dense_metric(),
    ] {
        let q0 = array![0.3, -1.1, 0.8];
        let p0 = array![1.2, 0.4, -0.9];
        let mut z = PhasePoint::new(&t, q0.clone(), p0.clone());
        for _ in 0..25 {
            leapfrog(&t, &metric, &mut z, 0.17);
        }
        assert!(
            (&z.q - &q0).iter().any(|d| d.abs() > 0.1),
            "the trajectory moved"
        );
        z.p = -&z.p;
        for _ in 0..25 {
            leapfrog(&t, &metric, &mut z, 0.17);
        }
        let err_q = (&z.q - &q0).iter().fold(0.0f64, |m, d| m.max(d.abs()));
        let err_p = (&(-&z.p) - &p0).iter().fold(0.0f64, |m, d| m.max(d.abs()));
        assert!(
            err_q < 1e-12 && err_p < 1e-12,
            "reversal errors {err_q:e} {err_p:e}"
        );
    }
}

/// Determinant by Gaussian elimination with partial pivoting.
fn det(mut a: Array2<f64>) -> f64 {
    let n = a.nrows();
    let mut d = 1.0;
    for k in 0..n {
        let piv = (k..n)
            .max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))
            .unwrap();
        if piv != k {
            for c in 0..n {
                a.swap([k, c], [piv, c]);
            }
            d = -d;
        }
        d *= a[[k, k]];
        for i in k + 1..n {
            let f = a[[i, k]] / a[[k, k]];
            for c in k..n {
                a[[i, c]] -= f * a[[k, c]];
            }
        }
    }
    d
}

#[test]
fn leapfrog_preserves_volume() {
    // The exact Jacobian of 20 leapfrog steps, by propagating tangents with the
    // generated Hessian-vector product: its determinant must be 1.
    let metric = dense_metric();
    let (eps, steps, d) = (0.15, 20, 3);
    let mut jac = Array2::<f64>::zeros((2 * d, 2 * d));
    for col in 0..2 * d {
        let mut q = array![0.3, -1.1, 0.8];
        let mut p = array![1.2, 0.4, -0.9];
        let mut dq = Array1::<f64>::zeros(d);
        let mut dp = Array1::<f64>::zeros(d);
        if col < d {
            dq[col] = 1.0;
        } else {
            dp[col - d] = 1.0;
        }
        for _ in 0..steps {
            let g = grad!(wavy)(&q);
            p = &p + &(0.5 * eps * &g);
            dp = &dp + &(0.5 * eps * &hvp!(wavy)(&q, &dq));
            q = &q + &(eps * &metric.velocity(&p));
            dq = &dq + &(eps * &metric.velocity(&dp));
            let g = grad!(wavy)(&q);
            p = &p + &(0.5 * eps * &g);
            dp = &dp + &(0.5 * eps * &hvp!(wavy)(&q, &dq));
        }
        for r in 0..d {
            jac[[r, col]] = dq[r];
            jac[[d + r, col]] = dp[r];
        }
        // The tangent pass and the sampler's integrator follow the same path.
        let t = wavy_target();
        let mut z = PhasePoint::new(&t, array![0.3, -1.1, 0.8], array![1.2, 0.4, -0.9]);
        for _ in 0..steps {
            leapfrog(&t, &metric, &mut z, eps);
        }
        assert!((&z.q - &q).iter().all(|e| e.abs() < 1e-14));
    }
    let det = det(jac.clone());
    assert!((det - 1.0).abs() < 1e-12, "det = {det}");
    // And the map is far from the identity, so the test could fail.
    assert!((jac[[0, 0]] - 1.0).abs() > 0.05);
}

/// Pearson's statistic of `draws` against `k` equiprobable bins of the Gumbel law,
/// and Bowker's symmetry statistic of the transitions between `kb` equiprobable bins.
#[allow(clippy::needless_range_loop)] // the (i, j) and (j, i) cells side by side
fn gumbel_statistics(draws: &[f64], k: usize, kb: usize) -> (f64, f64) {
    let bin = |x: f64, k: usize| -> usize {
        let u = (-(-x).exp()).exp();
        ((u * k as f64) as usize).min(k - 1)
    };
    let mut counts = vec![0usize; k];
    for &x in draws {
        counts[bin(x, k)] += 1;
    }
    let e = draws.len() as f64 / k as f64;
    let chi2 = counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
    let mut pairs = vec![vec![0usize; kb]; kb];
    for w in draws.windows(2) {
        pairs[bin(w[0], kb)][bin(w[1], kb)] += 1;
    }
    let mut bowker = 0.0;
    for i in 0..kb {
        for j in i + 1..kb {
            let (a, b) = (pairs[i][j] as f64, pairs[j][i] as f64);
            if a + b > 0.0 {
                bowker += (a - b).powi(2) / (a + b);
            }
        }
    }
    (chi2, bowker)
}

#[test]
fn detailed_balance_on_a_one_dimensional_target() {
    let t = hmc::density(1, |x: &Array1<f64>| value_and_grad!(gumbel)(x));
    // Fixed step size and metric: a time-homogeneous reversible chain.
    let settings = Settings::default()
        .chains(1)
        .warmup(50)
        .draws(4000)
        .seed(11)
        .fixed(0.9, Metric::identity(1));
    for (name, draws) in [
        (
            "static HMC",
            hmc::sample(
                &t,
                &StaticHmc::new(3).jitter(0.2),
                &[array![0.0]],
                &settings,
            )
            .unwrap(),
        ),
        (
            "NUTS",
            hmc::sample(&t, &Nuts::default(), &[array![0.0]], &settings).unwrap(),
        ),
    ] {
        let x = draws.chains[0].draws.column(0).to_vec();
        let (chi2, bowker) = gumbel_statistics(&x, 20, 6);
        // 0.1% critical values: χ²(19) = 43.82, χ²(15) = 37.70.
        assert!(chi2 < 43.82, "{name}: marginal χ² = {chi2}");
        assert!(bowker < 37.70, "{name}: transition symmetry χ² = {bowker}");
    }
    // The same tests reject a chain that is not reversible with respect to the Gumbel
    // law: draws of a standard normal.
    let mut rng = SamplerRng::new(3);
    let wrong: Vec<f64> = (0..4000).map(|_| rng.normal()).collect();
    let (chi2, _) = gumbel_statistics(&wrong, 20, 6);
    assert!(chi2 > 43.82, "the test has power: {chi2}");
}

fn gauss2d() -> (Array2<f64>, Array2<f64>) {
    let cov = array![[1.0, 0.9], [0.9, 1.0]];
    let prec = array![[1.0, -0.9], [-0.9, 1.0]] / (1.0 - 0.81);
    (cov, prec)
}

#[test]
fn short_seeded_gauss2d_run() {
    let (cov, prec) = gauss2d();
    let t = hmc::density(2, |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec));
    let inits = [array![1.0, 1.0], array![-1.0, 0.5]];
    for kind in [MetricKind::Diagonal, MetricKind::Dense] {
        let settings = Settings::default()
            .chains(2)
            .warmup(250)
            .draws(500)
            .seed(5)
            .metric(kind);
        let s = hmc::sample(&t, &Nuts::default(), &inits, &settings).unwrap();
        let sum = Summary::new(&s).unwrap();
        let all = s.stacked();
        let mean = all.mean_axis(Axis(0)).unwrap();
        let centred = &all - &mean;
        let c = centred.t().dot(&centred) / (all.nrows() as f64 - 1.0);
        // 1,000 draws with ESS ≈ 300-1,000: standard errors ≈ 0.03-0.06 for the means
        // (unit variances) and ≈ 0.05-0.08 for the covariances; the bounds are ~3 of them.
        let mean_err = mean.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let cov_err = (&c - &cov).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(mean_err < 0.15, "{kind:?}: mean error {mean_err}");
        assert!(cov_err < 0.2, "{kind:?}: covariance error {cov_err}");
        assert!(sum.max_rhat() < 1.02, "{kind:?}: R-hat {}", sum.max_rhat());
        assert!(
            (0.6..0.97).contains(&sum.acceptance),
            "{kind:?}: acceptance {}",
            sum.acceptance
        );
        assert!(sum.min_ess() > 200.0, "{kind:?}: ESS {}", sum.min_ess());
        assert_eq!(sum.divergences, 0);
    }
    // Seeded: the same settings give the same draws.
    let settings = Settings::default().chains(1).warmup(30).draws(20).seed(9);
    let a = hmc::sample(&t, &Nuts::default(), &inits[..1], &settings).unwrap();
    let b = hmc::sample(&t, &Nuts::default(), &inits[..1], &settings).unwrap();
    assert_eq!(a.chains[0].draws, b.chains[0].draws);
}

/// `gauss100`'s covariance in small: variances `10^(3i/(d-1) - 2)` (three decades),
/// rotated by a seeded random orthogonal matrix (Gram–Schmidt on Gaussian columns).
fn rotated_gauss(d: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut rng = SamplerRng::new(seed);
    let mut q = Array2::from_shape_vec((d, d), rng.normals(d * d).to_vec()).unwrap();
    for j in 0..d {
        for k in 0..j {
            let r = q.column(j).dot(&q.column(k));
            let ck = q.column(k).to_owned();
            q.column_mut(j).scaled_add(-r, &ck);
        }
        let n = q.column(j).dot(&q.column(j)).sqrt();
        q.column_mut(j).mapv_inplace(|v| v / n);
    }
    let var = Array1::from_shape_fn(d, |i| 10f64.powf(3.0 * i as f64 / (d - 1) as f64 - 2.0));
    let cov = (&q * &var.view().insert_axis(Axis(0))).dot(&q.t());
    let prec = (&q / &var.view().insert_axis(Axis(0))).dot(&q.t());
    ((&cov + &cov.t()) * 0.5, (&prec + &prec.t()) * 0.5)
}

/// The largest eigenvalue of a symmetric positive semi-definite matrix by `iterations`
/// steps of power iteration (Rayleigh quotient).
fn largest_eigenvalue(m: &Array2<f64>, iterations: usize) -> f64 {
    let mut v = Array1::from_shape_fn(m.nrows(), |i| 1.0 + 0.7 * (i as f64).sin());
    let mut lambda = 0.0;
    for _ in 0..iterations {
        let w = m.dot(&v);
        lambda = w.dot(&v) / v.dot(&v);
        v = &w / w.dot(&w).sqrt();
    }
    lambda
}

#[test]
fn short_seeded_gauss100_run() {
    let d = 100;
    let (cov, prec) = rotated_gauss(d, 7);
    let t = hmc::density(d, |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec));
    let mut rng = SamplerRng::new(3);
    let inits = [rng.normals(d), rng.normals(d)];
    let settings = Settings::default()
        .chains(2)
        .warmup(250)
        .draws(250)
        .seed(11)
        .metric(MetricKind::Dense);
    let s = hmc::sample(&t, &Nuts::default(), &inits, &settings).unwrap();
    let sum = Summary::new(&s).unwrap();
    let all = s.stacked();
    let sd = cov.diag().mapv(f64::sqrt);
    let mean = all.mean_axis(Axis(0)).unwrap();
    let mean_err = diagnostics::mean_error(mean.view(), Array1::zeros(d).view(), sd.view());
    let c = hmc::sample_covariance(all.view());
    let cov_err = hmc::covariance_error(c.view(), cov.view());
    // 2 × 250 draws, ESS ≥ 150 per coordinate: the mean errors are N(0, ≤ 0.08) in sd
    // units, the largest of 100 about 0.2; the covariance entries' errors (ESS of the
    // squares ≈ 0.4 of the draws) have sds ≈ 0.09 (variances) and 0.065 (correlations),
    // the largest of 5,050 about 0.28. The bounds are about 4 sds of each entry.
    assert!(mean_err < 0.3, "mean error {mean_err}");
    assert!(cov_err < 0.4, "covariance error {cov_err}");
    assert!(sum.max_rhat() < 1.05, "R-hat {}", sum.max_rhat());
    assert!(
        (0.6..0.95).contains(&sum.acceptance),
        "acceptance {}",
        sum.acceptance
    );
    assert!(sum.min_ess() > 150.0, "ESS {}", sum.min_ess());
    assert_eq!(sum.divergences, 0);
    // The adapted dense metric has learned the shape: the exact precision seen through
    // it, `Lᵀ P L` with `M⁻¹ = L Lᵀ`, is far better conditioned than under the identity
    // (1,000) or any diagonal metric (about 960 on `gauss100`), though a 100-draw last
    // window leaves it far from 1. Its extreme eigenvalues by power iteration (the
    // smallest on `λ_max I - S`).
    let Metric::Dense { chol, .. } = &s.chains[0].metric else {
        panic!("a dense metric was asked for")
    };
    let seen = chol.t().dot(&prec).dot(chol);
    let high = largest_eigenvalue(&seen, 300);
    let low = high - largest_eigenvalue(&(Array2::eye(d) * high - &seen), 300);
    let condition = high / low;
    assert!(condition < 300.0, "condition number {condition}");
}

#[test]
fn non_finite_log_density_is_a_counted_divergence() {
    // A standard normal that breaks beyond x = 1 (NaN, +inf or -inf there).
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let t = hmc::density(1, move |x: &Array1<f64>| {
            if x[0] > 1.0 {
                (bad, array![bad])
            } else {
                (-0.5 * x[0] * x[0], array![-x[0]])
            }
        });
        for kernel in ["hmc", "nuts"] {
            let settings = Settings::default()
                .chains(1)
                .warmup(0)
                .draws(300)
                .seed(2)
                .fixed(0.5, Metric::identity(1));
            let s = if kernel == "hmc" {
                hmc::sample(&t, &StaticHmc::new(4), &[array![0.0]], &settings).unwrap()
            } else {
                hmc::sample(&t, &Nuts::default(), &[array![0.0]], &settings).unwrap()
            };
            let x = s.chains[0].draws.column(0);
            assert!(
                x.iter().all(|v| v.is_finite() && *v <= 1.0),
                "{bad} {kernel}"
            );
            assert!(
                s.divergences() > 10,
                "{bad} {kernel}: {} divergences",
                s.divergences()
            );
            // Divergent transitions are counted where they happen.
            let d = &s.chains[0].divergent;
            assert_eq!(d.iter().filter(|v| **v).count(), s.divergences());
        }
    }
    // With adaptation too: warm-up survives, and its divergences are counted.
    let t = hmc::density(1, |x: &Array1<f64>| {
        if x[0] > 1.0 {
            (f64::NAN, array![f64::NAN])
        } else {
            (-0.5 * x[0] * x[0], array![-x[0]])
        }
    });
    let s = hmc::sample(
        &t,
        &Nuts::default(),
        &[array![0.0]],
        &Settings::default().chains(1).warmup(100).draws(100).seed(4),
    )
    .unwrap();
    assert!(s.stacked().iter().all(|v| v.is_finite() && *v <= 1.0));
    assert!(s.chains[0].warmup_divergences > 0);
}

#[test]
fn bad_input_is_an_error() {
    let (_, prec) = gauss2d();
    let t = hmc::density(2, |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec));
    let settings = Settings::default().chains(1).warmup(5).draws(5);
    let e = hmc::sample(&t, &Nuts::default(), &[array![0.0, 0.0, 0.0]], &settings).unwrap_err();
    assert_eq!(
        e,
        HmcError::Dimension {
            what: "the initial point",
            expected: 2,
            found: 3
        }
    );
    let msg = e.to_string();
    assert!(msg.contains('2') && msg.contains('3'), "{msg}");
    // A metric of the wrong size.
    let e = hmc::sample(
        &t,
        &Nuts::default(),
        &[array![0.0, 0.0]],
        &settings.clone().fixed(0.1, Metric::identity(4)),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains('4') && e.to_string().contains('2'),
        "{e}"
    );
    // Mass matrices that are not positive definite.
    let e = Metric::inverse_dense(array![[1.0, 2.0], [2.0, 1.0]]).unwrap_err();
    assert!(matches!(e, HmcError::NotPositiveDefinite { .. }), "{e}");
    assert!(e.to_string().contains("not positive definite"));
    assert!(Metric::mass_dense(array![[1.0, 0.5], [0.4, 1.0]]).is_err()); // not symmetric
    assert!(Metric::mass_dense(array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).is_err()); // not square
    assert!(Metric::inverse_diagonal(array![1.0, -0.5]).is_err());
    assert!(Metric::mass_diagonal(array![1.0, f64::NAN]).is_err());
    // mass_dense inverts: M = [[2, 1], [1, 2]] has M⁻¹ = [[2, -1], [-1, 2]] / 3.
    let m = Metric::mass_dense(array![[2.0, 1.0], [1.0, 2.0]]).unwrap();
    let v = m.velocity(&array![3.0, 0.0]);
    assert!((v[0] - 2.0).abs() < 1e-14 && (v[1] + 1.0).abs() < 1e-14);
    // A starting point outside the support.
    let t = hmc::density(1, |x: &Array1<f64>| (x[0].ln(), array![1.0 / x[0]]));
    let e = hmc::sample(&t, &Nuts::default(), &[array![-1.0]], &settings).unwrap_err();
    assert!(
        matches!(e, HmcError::NonFiniteStart { chain: 0, .. }),
        "{e}"
    );
    // Diagnostics on too few draws.
    assert!(diagnostics::bulk_ess(&[vec![1.0, 2.0]]).is_err());
}

#[test]
fn diagnostics_on_known_sequences() {
    // Independent draws: ESS close to the number of draws; an AR(1) chain with
    // coefficient φ: ESS ≈ n (1 - φ) / (1 + φ).
    let mut rng = SamplerRng::new(1);
    let n = 4000;
    let iid: Vec<Vec<f64>> = (0..4)
        .map(|_| (0..n).map(|_| rng.normal()).collect())
        .collect();
    let e = diagnostics::ess(&iid).unwrap();
    assert!((e / (4.0 * n as f64) - 1.0).abs() < 0.1, "iid ESS {e}");
    let phi: f64 = 0.8;
    let ar: Vec<Vec<f64>> = (0..4)
        .map(|_| {
            let mut x = 0.0;
            (0..n)
                .map(|_| {
                    x = phi * x + (1.0 - phi * phi).sqrt() * rng.normal();
                    x
                })
                .collect()
        })
        .collect();
    let e = diagnostics::ess(&ar).unwrap();
    let expected = 4.0 * n as f64 * (1.0 - phi) / (1.0 + phi);
    assert!(
        (e / expected - 1.0).abs() < 0.2,
        "AR(1) ESS {e}, expected {expected}"
    );
    // R-hat: 1 for chains of one law, large for chains stuck at different places.
    assert!(diagnostics::rank_rhat(&iid).unwrap() < 1.01);
    let shifted: Vec<Vec<f64>> = iid
        .iter()
        .enumerate()
        .map(|(c, v)| v.iter().map(|x| x + c as f64).collect())
        .collect();
    assert!(diagnostics::split_rhat(&shifted).unwrap() > 1.5);
    assert!(diagnostics::rank_rhat(&shifted).unwrap() > 1.5);
    // The normal quantile.
    assert!((diagnostics::normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
    assert!((diagnostics::normal_quantile(0.001) + 3.090_232_306_167_813_5).abs() < 1e-8);
}

/// The tuning objective's batch: three starts, fixed momentum draws.
fn tuning_batch(t: &impl LogDensity) -> (Vec<PhasePoint>, Vec<Array1<f64>>) {
    let starts = [
        array![0.3, -1.1, 0.8],
        array![-0.6, 0.2, 1.4],
        array![1.0, 0.9, -0.3],
    ]
    .into_iter()
    .map(|q| PhasePoint::new(t, q, Array1::zeros(3)))
    .collect();
    let zs = vec![
        array![0.9, -0.4, 1.3],
        array![-1.2, 0.7, 0.1],
        array![0.3, 1.5, -0.8],
    ];
    (starts, zs)
}

#[test]
fn tuning_hypergradient_matches_central_differences() {
    let t = wavy_target();
    let (starts, zs) = tuning_batch(&t);
    let (le, s) = (0.45f64.ln(), array![0.2, -0.3, 0.5]);
    let steps = 6;
    let r = hmc::objective_grad(&t, &starts, &zs, le, &s, steps).unwrap();
    // Some trajectories are rejected with probability > 0, so the α branch is tested.
    assert!(r.accept.iter().any(|a| *a < 0.999), "{:?}", r.accept);
    assert_eq!(r.n_hvp, 3 * steps);
    let j = |le: f64, s: &Array1<f64>| {
        hmc::objective_grad(&t, &starts, &zs, le, s, steps)
            .unwrap()
            .value
    };
    let h = 1e-5;
    let fd = (j(le + h, &s) - j(le - h, &s)) / (2.0 * h);
    assert!(
        (fd - r.d_log_step).abs() < 1e-6 * (1.0 + fd.abs()),
        "d/dlog ε: {} vs {fd}",
        r.d_log_step
    );
    for i in 0..3 {
        let mut sp = s.clone();
        sp[i] += h;
        let mut sm = s.clone();
        sm[i] -= h;
        let fd = (j(le, &sp) - j(le, &sm)) / (2.0 * h);
        let g = r.d_log_inv_mass[i];
        assert!(
            (fd - g).abs() < 1e-6 * (1.0 + fd.abs()),
            "d/ds{i}: {g} vs {fd}"
        );
    }
}

/// One trajectory's `α Σ c_i Δq_i²`, written in the transform's subset: the leapfrog
/// calls `grad!` of the order-2 log density, and the transform differentiates that
/// gradient again.
#[differentiable]
fn weighted_jump(
    le: f64,
    s: &Array1<f64>,
    #[constant] q0: &Array1<f64>,
    #[constant] z: &Array1<f64>,
    #[constant] c: &Array1<f64>,
    #[constant] steps: usize,
) -> f64 {
    let eps = le.exp();
    let m = ops::exp(s);
    let mut p = z * &ops::exp(&(-0.5 * s));
    let h0 = -wavy(q0) + 0.5 * (&(&p * &p) * &m).sum();
    let mut q = q0 + 0.0;
    for _k in 0..steps {
        let g0 = grad!(wavy)(&q);
        let ph = &p + &(0.5 * eps * &g0);
        q = &q + &(eps * &(&m * &ph));
        let g1 = grad!(wavy)(&q);
        p = &ph + &(0.5 * eps * &g1);
    }
    let h1 = -wavy(&q) + 0.5 * (&(&p * &p) * &m).sum();
    let alpha = (h0 - h1).exp().min(1.0);
    let dq = &q - q0;
    alpha * (c * &(&dq * &dq)).sum()
}

#[test]
fn tuning_hypergradient_matches_the_transform_through_the_leapfrog() {
    let t = wavy_target();
    let (starts, zs) = tuning_batch(&t);
    let (le, s) = (0.45f64.ln(), array![0.2, -0.3, 0.5]);
    let steps = 6;
    let r = hmc::objective_grad(&t, &starts, &zs, le, &s, steps).unwrap();
    // J = (1/d) Σ_i log S_i: its gradient is Σ_b ∂(α_b Σ_i c_i Δq²_{b,i}) with
    // c_i = 1 / (d B S_i) held fixed.
    let (d, b) = (3.0, 3.0);
    let mut sums = Array1::<f64>::zeros(3);
    for (st, (end, a)) in starts.iter().zip(r.ends.iter().zip(&r.accept)) {
        let dq = &end.q - &st.q;
        sums = sums + *a / b * &(&dq * &dq);
    }
    let c = sums.mapv(|si| 1.0 / (d * b * si));
    let (mut g_le, mut g_s) = (0.0, Array1::<f64>::zeros(3));
    for (st, z) in starts.iter().zip(&zs) {
        let (gl, gs) = grad!(weighted_jump)(le, &s, &st.q, z, &c, steps);
        g_le += gl;
        g_s = g_s + gs;
    }
    assert!(
        (g_le - r.d_log_step).abs() < 1e-10 * (1.0 + g_le.abs()),
        "{g_le} vs {}",
        r.d_log_step
    );
    for i in 0..3 {
        assert!(
            (g_s[i] - r.d_log_inv_mass[i]).abs() < 1e-10 * (1.0 + g_s[i].abs()),
            "{} vs {}",
            g_s[i],
            r.d_log_inv_mass[i]
        );
    }
}

#[test]
fn tuning_raises_the_objective() {
    // A badly scaled 3-D Gaussian: the tuned diagonal inverse mass should follow the
    // variances, and the objective rise.
    let prec = Array2::from_diag(&array![1.0 / 4.0, 1.0, 1.0 / 0.04]);
    let t = hmc::density_with_hvp(
        3,
        |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec),
        |_x: &Array1<f64>, v: &Array1<f64>| -prec.dot(v),
    );
    let init: Vec<Array1<f64>> = (0..4).map(|_| Array1::zeros(3)).collect();
    let r = hmc::tune(
        &t,
        &init,
        &hmc::TuneSettings {
            steps: 5,
            iterations: 150,
            learning_rate: 0.05,
            seed: 3,
        },
    )
    .unwrap();
    let first: f64 = r.history[..20].iter().sum::<f64>() / 20.0;
    let last: f64 = r.history[r.history.len() - 20..].iter().sum::<f64>() / 20.0;
    assert!(last > first + 0.5, "objective {first} → {last}");
    let inv = r.metric.inverse_diagonal_entries();
    // Ordered like the variances 4 > 1 > 0.04.
    assert!(inv[0] > inv[1] && inv[1] > inv[2], "{inv}");
}

#[test]
fn dense_tuning_hypergradient_matches_central_differences() {
    let t = wavy_target();
    let (starts, zs) = tuning_batch(&t);
    let raw = array![[-0.5, 0.0, 0.0], [0.2, -0.8, 0.0], [-0.1, 0.15, -0.6]];
    let (beta, steps) = (0.7, 5);
    let r = hmc::dense_objective_grad(&t, &starts, &zs, &raw, beta, steps).unwrap();
    assert!(r.accept.iter().any(|a| *a < 0.999), "{:?}", r.accept);
    assert!(r.accept.iter().all(|a| *a > 0.0));
    let j = |raw: &Array2<f64>| {
        hmc::dense_objective_grad(&t, &starts, &zs, raw, beta, steps)
            .unwrap()
            .value
    };
    let h = 1e-6;
    for i in 0..3 {
        for k in 0..=i {
            let mut rp = raw.clone();
            rp[[i, k]] += h;
            let mut rm = raw.clone();
            rm[[i, k]] -= h;
            let fd = (j(&rp) - j(&rm)) / (2.0 * h);
            let g = r.grad[[i, k]];
            assert!(
                (fd - g).abs() < 1e-6 * (1.0 + fd.abs()),
                "({i}, {k}): {g} vs {fd}"
            );
        }
        // Above the diagonal: not a parameter.
        for k in i + 1..3 {
            assert_eq!(r.grad[[i, k]], 0.0);
        }
    }
}

#[test]
fn dense_tuning_learns_the_shape_of_a_gaussian() {
    // A rotated, badly scaled 3-D Gaussian: A Aᵀ should align with the covariance.
    let cov = array![[4.0, 1.6, 0.0], [1.6, 1.0, 0.05], [0.0, 0.05, 0.05]];
    let prec = {
        let m = Metric::mass_dense(cov.clone()).unwrap();
        match m {
            Metric::Dense { inv, .. } => inv,
            Metric::Diagonal { .. } => unreachable!(),
        }
    };
    let t = hmc::density_with_hvp(
        3,
        |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec),
        |_x: &Array1<f64>, v: &Array1<f64>| -prec.dot(v),
    );
    let init: Vec<Array1<f64>> = (0..4).map(|_| Array1::zeros(3)).collect();
    let settings = hmc::DenseTuneSettings {
        steps: 3,
        iterations: 600,
        learning_rate: 0.02,
        target_accept: 0.75,
        seed: 1,
        off_diagonal_scale: 1.0,
        average_from: 0.5,
        init_factor: None,
    };
    let r = hmc::tune_dense(&t, &init, &settings).unwrap();
    // The precision the integrator sees, Aᵀ P A, should be far better conditioned
    // than P itself.
    let inverse = |m: &Array2<f64>| match Metric::mass_dense(m.clone()).unwrap() {
        Metric::Dense { inv, .. } => inv,
        Metric::Diagonal { .. } => unreachable!(),
    };
    let top = |m: &Array2<f64>| largest_eigenvalue(m, 2000);
    let cond_of = |a: &Array2<f64>| {
        let s = a.t().dot(&prec).dot(a);
        top(&s) * top(&inverse(&s))
    };
    let cond = cond_of(&r.factor);
    let cond0 = top(&prec) * top(&cov);
    assert!(cond0 > 100.0, "{cond0}");
    assert!(cond < 10.0, "condition number after tuning {cond}");
    // The same run keeping Adam's last iterate instead of the mean of the second half.
    let last = hmc::tune_dense(
        &t,
        &init,
        &hmc::DenseTuneSettings {
            average_from: 1.0,
            ..settings
        },
    )
    .unwrap();
    let cond_last = cond_of(&last.factor);
    eprintln!("condition number: averaged {cond}, last iterate {cond_last}");
    assert!(
        cond < cond_last,
        "averaged {cond}, last iterate {cond_last}"
    );
}

/// `n` draws of `N(0, C)` with `C_ij = ρ^|i-j|` in `d` dimensions, into a dense Welford.
fn welford_of_ar1(d: usize, rho: f64, n: usize, seed: u64) -> (hmc::Welford, Array2<f64>) {
    let cov = Array2::from_shape_fn((d, d), |(i, j)| rho.powi((i as i32 - j as i32).abs()));
    let l = hmc::mass::cholesky(&cov, "test covariance").unwrap();
    let mut rng = SamplerRng::new(seed);
    let mut w = hmc::Welford::new(d, true);
    let mut x = Array2::<f64>::zeros((n, d));
    for k in 0..n {
        let q = l.dot(&rng.normals(d));
        w.add(&q);
        x.row_mut(k).assign(&q);
    }
    (w, x)
}

#[test]
fn dense_metric_estimate_shrinks_only_when_the_draws_cannot_determine_it() {
    let d = 20;
    // Fewer draws than dimensions: the sample covariance is singular; shrunk towards its
    // diagonal with λ = Σ (1 - r²)² / (n - 1) / Σ r² over the pairs, it is not.
    for (rho, n) in [(0.0, 12), (0.8, 12), (0.8, 30)] {
        let (w, x) = welford_of_ar1(d, rho, n, 3);
        let s = hmc::sample_covariance(x.view());
        let (mut noise, mut signal) = (0.0, 0.0);
        for i in 0..d {
            for j in 0..i {
                let r = s[[i, j]] / (s[[i, i]] * s[[j, j]]).sqrt();
                noise += (1.0 - r * r).powi(2) / (n as f64 - 1.0);
                signal += r * r;
            }
        }
        let lambda = (noise / signal).min(1.0);
        assert!((w.shrinkage() - lambda).abs() < 1e-12, "{rho} {n}");
        let inv = match w.metric().unwrap() {
            Metric::Dense { inv, .. } => inv,
            m => panic!("a dense estimate, not {m:?}"),
        };
        let (nf, shrink) = (n as f64 / (n as f64 + 5.0), 1e-3 * 5.0 / (n as f64 + 5.0));
        for i in 0..d {
            for j in 0..d {
                let want = if i == j {
                    nf * s[[i, i]] + shrink
                } else {
                    nf * (1.0 - lambda) * s[[i, j]]
                };
                assert!((inv[[i, j]] - want).abs() < 1e-12, "{rho} {n} ({i}, {j})");
            }
        }
        if rho == 0.0 {
            // Independent coordinates: the correlations are noise, shrink nearly fully.
            assert!(lambda > 0.8, "λ {lambda} for independent coordinates");
        } else if n == 30 {
            // Strong, well-determined correlations: keep most of them.
            assert!(lambda < 0.3, "λ {lambda} for ρ = 0.8 from 30 draws");
        }
    }
    // From 2d draws on: exactly Stan's n/(n+5) Σ̂ + 1e-3 · 5/(n+5) I.
    let n = 2 * d;
    let (w, x) = welford_of_ar1(d, 0.8, n, 4);
    let s = hmc::sample_covariance(x.view());
    let (nf, shrink) = (n as f64 / (n as f64 + 5.0), 1e-3 * 5.0 / (n as f64 + 5.0));
    let want = nf * &s + shrink * Array2::<f64>::eye(d);
    match w.metric().unwrap() {
        Metric::Dense { inv, .. } => {
            let err = (&inv - &want).iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(err < 1e-12, "Stan's estimate: error {err}");
        }
        m => panic!("a dense estimate, not {m:?}"),
    }
}

#[test]
fn covariance_errors_in_sd_units_and_frobenius() {
    let truth = array![[4.0, 1.0], [1.0, 1.0]];
    let est = array![[4.2, 1.3], [1.3, 1.05]];
    // Entries: 0.2 / 4 = 0.05, 0.3 / (2 · 1) = 0.15, 0.05 / 1 = 0.05.
    let e = hmc::covariance_error(est.view(), truth.view());
    assert!((e - 0.15).abs() < 1e-15, "{e}");
    let f = hmc::frobenius_error(est.view(), truth.view());
    let want = ((0.04 + 0.09 + 0.09 + 0.0025) / 19.0f64).sqrt();
    assert!((f - want).abs() < 1e-15, "{f} against {want}");
    let x = array![[1.0, 2.0], [3.0, 0.0], [2.0, 1.0]];
    // Means (2, 1); deviations (-1, 1), (1, -1), (0, 0): covariance [[1, -1], [-1, 1]].
    let c = hmc::sample_covariance(x.view());
    assert_eq!(c, array![[1.0, -1.0], [-1.0, 1.0]]);
}

#[test]
fn tuners_reject_bad_input_and_survive_non_finite_densities() {
    let (_, prec) = gauss2d();
    let t = hmc::density_with_hvp(
        2,
        |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec),
        |_x: &Array1<f64>, v: &Array1<f64>| -prec.dot(v),
    );
    let diag = hmc::TuneSettings {
        steps: 3,
        iterations: 20,
        learning_rate: 0.05,
        seed: 1,
    };
    let dense = hmc::DenseTuneSettings {
        steps: 3,
        iterations: 20,
        learning_rate: 0.02,
        target_accept: 0.75,
        seed: 1,
        off_diagonal_scale: 1.0,
        average_from: 0.5,
        init_factor: None,
    };
    // A starting point of the wrong dimension: both sizes named.
    let wrong = [array![0.0, 0.0], array![0.0, 0.0, 0.0]];
    let expected = HmcError::Dimension {
        what: "the initial point",
        expected: 2,
        found: 3,
    };
    let e = hmc::tune(&t, &wrong, &diag).unwrap_err();
    assert_eq!(e, expected);
    assert!(
        e.to_string().contains('2') && e.to_string().contains('3'),
        "{e}"
    );
    assert_eq!(hmc::tune_dense(&t, &wrong, &dense).unwrap_err(), expected);
    // No Hessian-vector product: nested AD has nothing to differentiate.
    let no_hvp = hmc::density(2, |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec));
    let e = hmc::tune(&no_hvp, &[array![0.0, 0.0]], &diag).unwrap_err();
    assert!(e.to_string().contains("Hessian-vector"), "{e}");
    // A standard normal that is NaN beyond x = 1: the walkers never step there, the
    // tuned step size and metric stay finite and positive.
    let broken = hmc::density_with_hvp(
        1,
        |x: &Array1<f64>| {
            if x[0] > 1.0 {
                (f64::NAN, array![f64::NAN])
            } else {
                (-0.5 * x[0] * x[0], array![-x[0]])
            }
        },
        |x: &Array1<f64>, v: &Array1<f64>| {
            if x[0] > 1.0 {
                array![f64::NAN]
            } else {
                -v.clone()
            }
        },
    );
    let init = [array![0.0], array![-0.5], array![0.5], array![-1.0]];
    let finite_below_one = |walkers: &[Array1<f64>], metric: &Metric| {
        walkers.iter().all(|w| w[0].is_finite() && w[0] <= 1.0)
            && metric
                .inverse_diagonal_entries()
                .iter()
                .all(|v| v.is_finite() && *v > 0.0)
    };
    let r = hmc::tune(&broken, &init, &diag).unwrap();
    assert!(r.step_size.is_finite() && r.step_size > 0.0);
    assert!(finite_below_one(&r.walkers, &r.metric));
    let r = hmc::tune_dense(&broken, &init, &dense).unwrap();
    assert!(finite_below_one(&r.walkers, &r.metric));
}

/// The orbit of the leapfrog from `(q0, p0)`: `k` steps backwards and forwards, with the
/// Hamiltonian of each point (index `k` is the start).
fn orbit(
    t: &impl LogDensity,
    metric: &Metric,
    q0: &Array1<f64>,
    p0: &Array1<f64>,
    eps: f64,
    k: usize,
) -> Vec<(Array1<f64>, f64)> {
    let start = PhasePoint::new(t, q0.clone(), p0.clone());
    let mut back = Vec::new();
    let mut z = start.clone();
    for _ in 0..k {
        leapfrog(t, metric, &mut z, -eps);
        back.push((z.q.clone(), z.hamiltonian(metric)));
    }
    back.reverse();
    back.push((start.q.clone(), start.hamiltonian(metric)));
    let mut z = start;
    for _ in 0..k {
        leapfrog(t, metric, &mut z, eps);
        back.push((z.q.clone(), z.hamiltonian(metric)));
    }
    back
}

#[test]
fn nuts_trajectory_weights_are_the_multinomial_weights_of_its_orbit() {
    use hmc::{Kernel, WeightedPoints};
    let t = wavy_target();
    let mut depths = std::collections::BTreeSet::new();
    for (seed, metric, eps) in [
        (1, Metric::identity(3), 0.3),
        (2, dense_metric(), 0.25),
        (
            3,
            Metric::inverse_diagonal(array![0.7, 1.4, 0.9]).unwrap(),
            0.6,
        ),
        (4, Metric::identity(3), 1.4),
        (5, dense_metric(), 0.05),
    ] {
        let q0 = array![0.3, -1.1, 0.8];
        let z0 = PhasePoint::new(&t, q0.clone(), Array1::zeros(3));
        let rng0 = SamplerRng::new(seed);
        // The same move as the plain transition, from the same random numbers.
        let (mut z, mut rng) = (z0.clone(), rng0.clone());
        let mut points = WeightedPoints::default();
        let tr =
            Nuts::default().transition_weighted(&t, &metric, eps, &mut z, &mut rng, &mut points);
        let (mut z_plain, mut rng_plain) = (z0.clone(), rng0.clone());
        let tr_plain = Nuts::default().transition(&t, &metric, eps, &mut z_plain, &mut rng_plain);
        assert_eq!(tr, tr_plain);
        assert_eq!(z, z_plain);
        depths.insert(tr.depth);
        // The trajectory: 2^depth consecutive leapfrog points through the start.
        assert_eq!(points.q.len(), 1 << tr.depth, "seed {seed}");
        let p0 = metric.sample_momentum(&mut rng0.clone());
        let k = points.q.len();
        let orb = orbit(&t, &metric, &q0, &p0, eps, k);
        let idx: Vec<usize> = points
            .q
            .iter()
            .map(|q| {
                let found: Vec<usize> = (0..orb.len())
                    .filter(|&j| (&orb[j].0 - q).iter().all(|d| d.abs() < 1e-12))
                    .collect();
                assert_eq!(found.len(), 1, "seed {seed}: a point not on the orbit");
                found[0]
            })
            .collect();
        let (lo, hi) = (*idx.iter().min().unwrap(), *idx.iter().max().unwrap());
        assert_eq!(hi - lo + 1, k, "seed {seed}: not contiguous");
        assert!((lo..=hi).contains(&k), "seed {seed}: the start is in it");
        // Weights exp(-H_i) / Σ exp(-H_j) over exactly these points.
        let h: Vec<f64> = idx.iter().map(|&j| orb[j].1).collect();
        let h_min = h.iter().copied().fold(f64::INFINITY, f64::min);
        let norm: f64 = h.iter().map(|v| (h_min - v).exp()).sum();
        for (i, w) in points.weight.iter().enumerate() {
            let exact = (h_min - h[i]).exp() / norm;
            assert!(
                (w - exact).abs() < 1e-12,
                "seed {seed}: weight {w} vs {exact}"
            );
        }
        assert!((points.weight.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // The next state is one of them.
        assert!(points.q.contains(&z.q), "seed {seed}");
    }
    assert!(
        depths.len() >= 3,
        "trajectories of several depths: {depths:?}"
    );
}

#[test]
fn static_hmc_weights_are_the_acceptance_probability() {
    use hmc::{Kernel, WeightedPoints};
    let t = wavy_target();
    let metric = dense_metric();
    let mut alphas = Vec::new();
    for seed in 0..6 {
        let q0 = array![0.3, -1.1, 0.8];
        let z0 = PhasePoint::new(&t, q0.clone(), Array1::zeros(3));
        let rng0 = SamplerRng::new(seed);
        let (mut z, mut rng) = (z0.clone(), rng0.clone());
        let mut points = WeightedPoints::default();
        let kernel = StaticHmc::new(7);
        let tr = kernel.transition_weighted(&t, &metric, 0.7, &mut z, &mut rng, &mut points);
        let (mut z_plain, mut rng_plain) = (z0.clone(), rng0.clone());
        assert_eq!(
            tr,
            kernel.transition(&t, &metric, 0.7, &mut z_plain, &mut rng_plain)
        );
        assert_eq!(z, z_plain);
        // Replay: the momentum, 7 steps, α = min(1, exp(H0 - H7)).
        let p0 = metric.sample_momentum(&mut rng0.clone());
        let orb = orbit(&t, &metric, &q0, &p0, 0.7, 7);
        let alpha = (orb[7].1 - orb[14].1).exp().min(1.0);
        assert_eq!(points.q, vec![q0.clone(), orb[14].0.clone()]);
        assert!((points.weight[0] - (1.0 - alpha)).abs() < 1e-14);
        assert!((points.weight[1] - alpha).abs() < 1e-14);
        assert!((tr.accept_prob - alpha).abs() < 1e-14);
        alphas.push(alpha);
    }
    assert!(
        alphas.iter().any(|a| *a < 0.9) && alphas.iter().any(|a| *a > 0.1),
        "both outcomes likely: {alphas:?}"
    );
}

/// NUTS without its trajectory: the trait's default weighted transition (the draw
/// alone, weight 1).
struct DrawOnly(Nuts);

impl hmc::Kernel for DrawOnly {
    fn transition<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
    ) -> hmc::Transition {
        self.0.transition(target, metric, eps, z, rng)
    }
}

#[test]
fn rao_blackwell_estimates_of_single_point_trajectories_are_the_sample_moments() {
    use hmc::Estimator;
    let (_, prec) = rotated_gauss(5, 3);
    // A mean far from 0, so that the shifted sums are exercised.
    let t = hmc::density(5, |x: &Array1<f64>| {
        let c = x - 40.0;
        value_and_grad!(gauss)(&c, &prec)
    });
    let inits = [Array1::from_elem(5, 40.5), Array1::from_elem(5, 39.0)];
    let settings = Settings::default()
        .chains(2)
        .warmup(100)
        .draws(300)
        .seed(4)
        .rao_blackwell(true);
    let s = hmc::sample(&t, &DrawOnly(Nuts::default()), &inits, &settings).unwrap();
    // The recorded run draws the same chains as an unrecorded one.
    let plain = hmc::sample(
        &t,
        &DrawOnly(Nuts::default()),
        &inits,
        &settings.clone().rao_blackwell(false),
    )
    .unwrap();
    assert_eq!(s.stacked(), plain.stacked());
    let (m, m_rb) = (
        s.mean(Estimator::Draws).unwrap(),
        s.mean(Estimator::RaoBlackwell).unwrap(),
    );
    let (c, c_rb) = (
        s.covariance(Estimator::Draws).unwrap(),
        s.covariance(Estimator::RaoBlackwell).unwrap(),
    );
    assert!((&m - &m_rb).iter().all(|d| d.abs() < 1e-12));
    let scale = c.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    assert!((&c - &c_rb).iter().all(|d| d.abs() < 1e-11 * scale));
    assert!((&c - &hmc::sample_covariance(s.stacked().view()))
        .iter()
        .all(|d| *d == 0.0));
    // Without recorded trajectories the estimator is an error, not a silent fallback.
    let e = plain.covariance(Estimator::RaoBlackwell).unwrap_err();
    assert!(e.to_string().contains("rao_blackwell(true)"), "{e}");
    assert!(plain.mean(Estimator::RaoBlackwell).is_err());
}

#[test]
fn rao_blackwell_estimates_are_unbiased_and_beat_nuts_draws_on_covariances() {
    use hmc::Estimator;
    // 1. The Gumbel law (non-quadratic energy): mean γ, variance π²/6.
    let t = hmc::density(1, |x: &Array1<f64>| value_and_grad!(gumbel)(x));
    let settings = Settings::default()
        .chains(4)
        .warmup(300)
        .draws(5000)
        .seed(21)
        .rao_blackwell(true);
    let s = hmc::sample(&t, &Nuts::default(), &[array![0.0]], &settings).unwrap();
    let (gamma, var) = (0.577_215_664_901_532_9, std::f64::consts::PI.powi(2) / 6.0);
    let m = s.mean(Estimator::RaoBlackwell).unwrap()[0];
    let v = s.covariance(Estimator::RaoBlackwell).unwrap()[[0, 0]];
    // 20,000 draws with ESS ≥ 10,000: standard errors 0.013 (mean) and 0.03 (variance,
    // Var((x-γ)²) = 2.4 + 2·1.64² ≈ 11.8 for the Gumbel's excess kurtosis 2.4 → sd 3.4);
    // bounds about 4 of them.
    assert!((m - gamma).abs() < 0.05, "mean {m}");
    assert!((v - var).abs() < 0.12, "variance {v} vs {var}");
    // 2. A rotated 10-D Gaussian (three decades of variances) with the exact metric:
    // NUTS's draws end near the far side of a half orbit, where the squared deviations
    // repeat (ESS of the squares ≈ 0.45 per draw), while its trajectories span the
    // orbit. The mean squared error of the 55 covariance entries in sd units,
    // `(Ĉ_ij - C_ij)² / (C_ii C_jj)`, over five seeds: `(1 + ρ_ij²) / ESS` each.
    let d = 10;
    let (cov, prec) = rotated_gauss(d, 5);
    let t = hmc::density(d, |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec));
    let l = hmc::mass::cholesky(&cov, "cov").unwrap();
    let mse = |c: &Array2<f64>| {
        let mut s = 0.0;
        for i in 0..d {
            for j in 0..=i {
                s += (c[[i, j]] - cov[[i, j]]).powi(2) / (cov[[i, i]] * cov[[j, j]]);
            }
        }
        s / (d * (d + 1) / 2) as f64
    };
    let (mut plain, mut rb, mut exact) = (0.0, 0.0, 0.0);
    for seed in 0..5 {
        let settings = Settings::default()
            .chains(4)
            .warmup(0)
            .draws(1000)
            .seed(seed)
            .fixed(0.5, Metric::inverse_dense(cov.clone()).unwrap())
            .rao_blackwell(true);
        let mut rng = SamplerRng::new(seed + 100);
        // Exact starting draws: the chains start in equilibrium.
        let inits: Vec<Array1<f64>> = (0..4).map(|_| l.dot(&rng.normals(d))).collect();
        let s = hmc::sample(&t, &Nuts::default(), &inits, &settings).unwrap();
        plain += mse(&s.covariance(Estimator::Draws).unwrap()) / 5.0;
        rb += mse(&s.covariance(Estimator::RaoBlackwell).unwrap()) / 5.0;
        // As many exact independent draws.
        let z = Array2::from_shape_vec((4000, d), rng.normals(4000 * d).to_vec()).unwrap();
        exact += mse(&hmc::sample_covariance(z.dot(&l.t()).view())) / 5.0;
    }
    // Exact draws: about 1.1 / 4000 ≈ 2.8e-4 (sd of the five-seed mean ≈ 10%). The
    // draws' ESS of the squares (≈ 0.45 per draw) makes theirs about twice that
    // (measured: 7.1e-4 against 3.5e-4); the Rao–Blackwellized estimate comes close
    // to exact draws (4.3e-4).
    assert!(rb < 0.7 * plain, "Rao–Blackwellized {rb} vs draws {plain}");
    assert!(
        rb < 1.5 * exact,
        "Rao–Blackwellized {rb} vs exact draws {exact}"
    );
}

#[test]
fn dense_tuning_starts_from_a_given_factor() {
    let cov = array![[4.0, 1.6, 0.0], [1.6, 1.0, 0.05], [0.0, 0.05, 0.05]];
    let prec = match Metric::mass_dense(cov.clone()).unwrap() {
        Metric::Dense { inv, .. } => inv,
        Metric::Diagonal { .. } => unreachable!(),
    };
    let t = hmc::density_with_hvp(
        3,
        |x: &Array1<f64>| value_and_grad!(gauss)(x, &prec),
        |_x: &Array1<f64>, v: &Array1<f64>| -prec.dot(v),
    );
    let init: Vec<Array1<f64>> = (0..4).map(|_| Array1::zeros(3)).collect();
    // Entries above the diagonal are ignored.
    let given = array![[0.5, 9.0, 9.0], [-0.2, 0.3, 9.0], [0.1, 0.05, 0.2]];
    let lower = array![[0.5, 0.0, 0.0], [-0.2, 0.3, 0.0], [0.1, 0.05, 0.2]];
    let settings = hmc::DenseTuneSettings {
        iterations: 0,
        init_factor: Some(given.clone()),
        ..Default::default()
    };
    let r = hmc::tune_dense(&t, &init, &settings).unwrap();
    assert!((&r.factor - &lower).iter().all(|d| d.abs() < 1e-15));
    let Metric::Dense { inv, .. } = &r.metric else {
        panic!("a dense metric")
    };
    let expected = lower.dot(&lower.t());
    assert!((inv - &expected).iter().all(|d| d.abs() < 1e-15));
    // Tuning from the exact shape, `A = 0.5 chol(C)`, keeps it: the precision seen
    // through `A`, `Aᵀ P A`, stays well conditioned (1 at the start; measured 1.05).
    let l = hmc::mass::cholesky(&cov, "cov").unwrap();
    let r = hmc::tune_dense(
        &t,
        &init,
        &hmc::DenseTuneSettings {
            steps: 3,
            iterations: 600,
            learning_rate: 0.005,
            seed: 1,
            init_factor: Some(&l * 0.5),
            ..Default::default()
        },
    )
    .unwrap();
    let s = r.factor.t().dot(&prec).dot(&r.factor);
    let inv_s = match Metric::mass_dense((&s + &s.t()) * 0.5).unwrap() {
        Metric::Dense { inv, .. } => inv,
        Metric::Diagonal { .. } => unreachable!(),
    };
    let cond = largest_eigenvalue(&s, 2000) * largest_eigenvalue(&inv_s, 2000);
    assert!(cond < 1.5, "condition number {cond}");
    // Bad factors: the wrong size, a diagonal entry that is not positive.
    let e = hmc::tune_dense(
        &t,
        &init,
        &hmc::DenseTuneSettings {
            init_factor: Some(Array2::eye(2)),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        HmcError::Dimension {
            what: "the initial factor",
            expected: 3,
            found: 2
        }
    );
    let e = hmc::tune_dense(
        &t,
        &init,
        &hmc::DenseTuneSettings {
            init_factor: Some(array![[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, HmcError::NotPositiveDefinite { .. }), "{e}");
}
