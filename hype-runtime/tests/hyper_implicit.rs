//! Implicit hypergradients (implicit function theorem + CG) against the closed form
//! on a quadratic and against Reverse-HG unrolled to convergence on strongly convex
//! weighted logistic regression.

mod hyper_common;

use hype_runtime::hyper::{
    implicit, reverse, unroll, GradientDescent, HyperError, ImplicitParams, StepHyper,
};
use hype_runtime::Tangent;
use hyper_common::*;
use ndarray::{Array1, Array2};

/// Solves `m x = b` by Gaussian elimination with partial pivoting.
fn solve(m: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let n = b.len();
    let mut a = m.clone();
    let mut x = b.clone();
    for k in 0..n {
        let p = (k..n)
            .max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))
            .unwrap();
        for j in 0..n {
            a.swap([k, j], [p, j]);
        }
        x.swap(k, p);
        for i in k + 1..n {
            let f = a[[i, k]] / a[[k, k]];
            for j in k..n {
                a[[i, j]] -= f * a[[k, j]];
            }
            x[i] -= f * x[k];
        }
    }
    for k in (0..n).rev() {
        let s: f64 = (k + 1..n).map(|j| a[[k, j]] * x[j]).sum();
        x[k] = (x[k] - s) / a[[k, k]];
    }
    x
}

#[test]
fn quadratic_matches_the_closed_form() {
    let q = Quadratic::new(5, 3);
    let target = Lcg(8).vector(5);
    let (lam, rho) = (0.3, 0.2);
    let a_lam = &q.a + &(Array2::<f64>::eye(5) * lam);
    let w_star = solve(&a_lam, &q.a.dot(&q.c));
    // dE/dλ = -(w* - target)ᵀ (A + λI)⁻¹ w* + ρ λ.
    let exact = -(&w_star - &target).dot(&solve(&a_lam, &w_star)) + rho * lam;

    let t2 = target.clone();
    let v = move |w: &Array1<f64>, l: &f64| {
        let d = w - &t2;
        (0.5 * d.dot(&d) + 0.5 * rho * l * l, d, rho * l)
    };
    let params = ImplicitParams {
        stationarity: Some(1e-10),
        ..ImplicitParams::default()
    };
    let r = implicit(&q, &v, &w_star, &lam, &params).unwrap();
    assert!(
        (r.grad - exact).abs() < 1e-12 * exact.abs(),
        "{} vs {exact}",
        r.grad
    );
    assert!(
        r.stats.cg_iterations <= 10,
        "{} CG iterations",
        r.stats.cg_iterations
    );
    assert!(r.stats.cg_residual <= 1e-12);
    assert_eq!(r.stats.hvps, r.stats.cg_iterations + 1);
    assert!(r.initial_state_grad.is_none());

    // Not stationary: refused when checked.
    let off = &w_star + 0.1;
    assert!(matches!(
        implicit(&q, &v, &off, &lam, &params),
        Err(HyperError::InvalidArgument(_))
    ));
    // Indefinite Hessian (λ below -λ_min(A)): refused.
    assert!(matches!(
        implicit(&q, &v, &w_star, &-5.0, &ImplicitParams::default()),
        Err(HyperError::InvalidArgument(m)) if m.contains("positive definite")
    ));
    // Too few iterations: not converged.
    let one = ImplicitParams {
        max_iterations: 1,
        ..ImplicitParams::default()
    };
    assert!(matches!(
        implicit(&q, &v, &w_star, &lam, &one),
        Err(HyperError::NotConverged { iterations: 1, .. })
    ));
}

#[test]
fn logistic_matches_reverse_hg_run_to_convergence() {
    let train = Logistic::new(30, 6, 41);
    let val = Logistic::new(30, 6, 42);
    let c: Array1<f64> = (0..30).map(|i| 0.5 + (i % 4) as f64 * 0.25).collect();
    let lam = (c, 0.1);
    let steps = 800;
    let d = GradientDescent(train.clone());
    let h = StepHyper::constant(1.0, 0.0, lam.clone());
    let validation = logistic_validation(val.clone());
    let w0 = Array1::zeros(6);

    let rev = reverse(&d, &validation, &w0, &h, steps);
    let w_star = unroll(&d, &w0, &h, steps);
    let v = move |w: &Array1<f64>, l: &(Array1<f64>, f64)| {
        let (value, g) = val.value_and_grad(w);
        (value, g, l.zero_like())
    };
    let params = ImplicitParams {
        stationarity: Some(1e-12),
        ..ImplicitParams::default()
    };
    let imp = implicit(&train, &v, &w_star, &lam, &params).unwrap();
    assert_eq!(imp.value, rev.value);
    let e = rel_err(&rev.grad.loss.flatten(), &imp.grad.flatten());
    assert!(e < 1e-9, "implicit vs unrolled: relative error {e:e}");
    // The learning rate does not move the converged point.
    assert!(rev.grad.lr[0].abs() < 1e-12, "{}", rev.grad.lr[0]);
    // Far fewer products than the unrolled sweep.
    assert!(imp.stats.hvps < 40, "{} HVPs", imp.stats.hvps);

    // A short run is not converged: the unrolled hypergradient differs.
    let short = reverse(&d, &validation, &w0, &h, 20);
    assert!(rel_err(&short.grad.loss.flatten(), &imp.grad.flatten()) > 1e-3);
}

#[test]
fn fixed_point_implicit_for_momentum_matches_unrolled_and_cg() {
    use hype_runtime::hyper::{implicit_fixed_point, Nesterov};
    let train = Logistic::new(30, 6, 41);
    let val = Logistic::new(30, 6, 42);
    let c: Array1<f64> = (0..30).map(|i| 0.5 + (i % 3) as f64 * 0.25).collect();
    let lam = (c, 0.1);
    let steps = 600;
    let d = Nesterov(train.clone());
    let h = StepHyper::constant(0.5, 0.6, lam.clone());
    let validation = logistic_validation(val.clone());
    let s0 = (Array1::zeros(6), Array1::zeros(6));
    let rev = reverse(&d, &validation, &s0, &h, steps);
    let s_star = unroll(&d, &s0, &h, steps);
    let params = ImplicitParams {
        stationarity: Some(1e-13),
        ..ImplicitParams::default()
    };
    let fp = implicit_fixed_point(&d, &validation, &s_star, &h, 0, &params).unwrap();
    let e = rel_err(&fp.grad.loss.flatten(), &rev.grad.loss.flatten());
    assert!(
        e < 1e-9,
        "fixed-point implicit vs unrolled: relative error {e:e}"
    );
    // Rate and momentum do not move the fixed point.
    assert!(fp.grad.lr[0].abs() < 1e-12 && fp.grad.momentum[0].abs() < 1e-12);
    assert!(fp.stats.cg_iterations > 0 && fp.stats.vjps == fp.stats.cg_iterations + 1);
    // Same as the CG form on the loss alone.
    let v = move |w: &Array1<f64>, l: &(Array1<f64>, f64)| {
        let (value, g) = val.value_and_grad(w);
        (value, g, l.zero_like())
    };
    let cg = implicit(&train, &v, &s_star.0, &lam, &ImplicitParams::default()).unwrap();
    let e = rel_err(&fp.grad.loss.flatten(), &cg.grad.flatten());
    assert!(e < 1e-9, "fixed point vs CG: relative error {e:e}");
    // Away from the fixed point: refused; too few iterations: not converged.
    assert!(implicit_fixed_point(&d, &validation, &s0, &h, 0, &params).is_err());
    let few = ImplicitParams {
        max_iterations: 2,
        ..ImplicitParams::default()
    };
    assert!(matches!(
        implicit_fixed_point(&d, &validation, &s_star, &h, 0, &few),
        Err(HyperError::NotConverged { iterations: 2, .. })
    ));
}
