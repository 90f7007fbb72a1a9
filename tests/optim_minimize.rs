//! `hype::optim::minimize` on `#[differentiable]` functions, with gradients from
//! `value_and_grad!`: every method converges on Rosenbrock (from (-1.2, 1), and in 10
//! dimensions from 0), Beale (from (1, 1.5)) and a convex quadratic; Newton-CG (with
//! analytic Hessian-vector products) and L-BFGS need far fewer iterations than
//! gradient descent; Hype's RMSProp example is reproduced; `#[derive(Tangent)]`
//! structs are parameters.
//!
//! Tolerance: `|∇f| <= 1e-6` and within 1e-5 of the minimizer (max norm).

use hype::optim::*;
use hype::prelude::*;

#[differentiable]
fn rosen(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// The Hessian of `rosen` (tridiagonal) times `v`, written out.
fn rosen_hvp(x: &Array1<f64>, v: &Array1<f64>) -> Array1<f64> {
    let n = x.len();
    let mut out = Array1::zeros(n);
    for i in 0..n - 1 {
        // Terms of 100 (x[i+1] - x[i]²)² + (1 - x[i])².
        let hii = 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        let hij = -400.0 * x[i];
        out[i] += hii * v[i] + hij * v[i + 1];
        out[i + 1] += hij * v[i] + 200.0 * v[i + 1];
    }
    out
}

#[differentiable]
fn beale(x: &Array1<f64>) -> f64 {
    let a = x[0];
    let b = x[1];
    let t1 = 1.5 - a + a * b;
    let t2 = 2.25 - a + a * b * b;
    let t3 = 2.625 - a + a * b * b * b;
    t1 * t1 + t2 * t2 + t3 * t3
}

fn beale_hvp(x: &Array1<f64>, v: &Array1<f64>) -> Array1<f64> {
    let (a, b) = (x[0], x[1]);
    let c = [1.5, 2.25, 2.625];
    let (mut h11, mut h12, mut h22) = (0.0, 0.0, 0.0);
    for i in 1..=3 {
        let fi = i as f64;
        let t = c[i as usize - 1] - a + a * b.powi(i);
        let ta = b.powi(i) - 1.0;
        let tb = a * fi * b.powi(i - 1);
        let tab = fi * b.powi(i - 1);
        let tbb = if i >= 2 {
            a * fi * (fi - 1.0) * b.powi(i - 2)
        } else {
            0.0
        };
        h11 += 2.0 * ta * ta;
        h12 += 2.0 * (ta * tb + t * tab);
        h22 += 2.0 * (tb * tb + t * tbb);
    }
    array![h11 * v[0] + h12 * v[1], h12 * v[0] + h22 * v[1]]
}

#[differentiable]
fn quadratic(x: &Array1<f64>, #[constant] a: &Array2<f64>, #[constant] xs: &Array1<f64>) -> f64 {
    let d = x - xs;
    0.5 * d.dot(&a.dot(&d))
}

/// SPD, eigenvalues 1..100 (geometric), eigenvectors a Householder reflection.
fn quadratic_matrix(n: usize) -> Array2<f64> {
    let v = Array1::from_iter((0..n).map(|i| 1.0 + 0.3 * i as f64 - 0.05 * (i * i) as f64));
    let q = Array2::<f64>::eye(n)
        - 2.0 * &v.clone().insert_axis(Axis(1)) * &v.clone().insert_axis(Axis(0)) / v.dot(&v);
    let d = Array1::from_iter((0..n).map(|i| 100f64.powf(i as f64 / (n - 1) as f64)));
    (&q * &d.insert_axis(Axis(0))).dot(&q)
}

struct Case {
    name: &'static str,
    problem: Problem<'static, Array1<f64>>,
    x0: Array1<f64>,
    xstar: Array1<f64>,
}

fn cases() -> Vec<Case> {
    let a = quadratic_matrix(10);
    let xs = Array1::from_iter((0..10).map(|i| (i as f64 * 0.7).sin() + 0.5));
    let a2 = a.clone();
    let xs2 = xs.clone();
    vec![
        Case {
            name: "Rosenbrock",
            problem: Problem::new(|x: &Array1<f64>| value_and_grad!(rosen)(x)).with_hvp(rosen_hvp),
            x0: array![-1.2, 1.0],
            xstar: array![1.0, 1.0],
        },
        Case {
            name: "Rosenbrock 10-d",
            problem: Problem::new(|x: &Array1<f64>| value_and_grad!(rosen)(x)).with_hvp(rosen_hvp),
            // From (-1.2, 1, -1.2, 1, ...) Newton-CG ends in the local minimizer near
            // (-1, 1, ..., 1) (f = 3.99) that Rosenbrock has for n >= 4; from 0 every
            // method reaches (1, ..., 1).
            x0: Array1::zeros(10),
            xstar: Array1::ones(10),
        },
        Case {
            name: "Beale",
            problem: Problem::new(|x: &Array1<f64>| value_and_grad!(beale)(x)).with_hvp(beale_hvp),
            x0: array![1.0, 1.5],
            xstar: array![3.0, 0.5],
        },
        Case {
            name: "quadratic",
            problem: Problem::new(move |x: &Array1<f64>| value_and_grad!(quadratic)(x, &a, &xs))
                .with_hvp(move |_x, v| a2.dot(v)),
            x0: Array1::zeros(10),
            xstar: xs2,
        },
    ]
}

fn error(x: &Array1<f64>, xstar: &Array1<f64>) -> f64 {
    (x - xstar).iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn run(case: &Case, params: &Params) -> MinimizeResult<Array1<f64>> {
    minimize_objective(&case.problem, case.x0.clone(), params)
}

#[track_caller]
fn assert_converged(label: &str, case: &Case, r: &MinimizeResult<Array1<f64>>) {
    println!(
        "{label:<22} {:<16} iterations {:>6}  |x - x*| {:.1e}  f {:.1e}",
        case.name,
        r.iterations,
        error(&r.x, &case.xstar),
        r.value
    );
    assert_eq!(r.reason, StopReason::Converged, "{label} on {}", case.name);
    assert!(r.gradient_norm() <= 1e-6);
    assert!(error(&r.x, &case.xstar) <= 1e-5, "{label} on {}", case.name);
}

fn gd_backtracking() -> Params {
    Params::default()
        .learning_rate(LearningRate::default_backtrack())
        .epochs(200_000)
        .gradient_tolerance(1e-6)
}

#[test]
fn generated_gradients_feed_the_optimizers() {
    let g = value_and_grad!(rosen)(&array![-1.2, 1.0]).1;
    assert!((g[0] + 215.6).abs() < 1e-10 && (g[1] + 88.0).abs() < 1e-10);
    let hv = rosen_hvp(&array![-1.2, 1.0], &array![1.0, 0.0]);
    assert!((hv[0] - 1330.0).abs() < 1e-10 && (hv[1] - 480.0).abs() < 1e-10);
}

#[test]
fn every_method_converges_with_generated_gradients() {
    let methods: Vec<(&str, Params)> = vec![
        ("L-BFGS", Params::lbfgs()),
        ("Newton-CG", Params::newton_cg()),
        (
            "CG Hestenes-Stiefel",
            Params::conjugate_gradient(CgVariant::HestenesStiefel),
        ),
        (
            "CG Fletcher-Reeves",
            Params::conjugate_gradient(CgVariant::FletcherReeves),
        ),
        (
            "CG Dai-Yuan",
            Params::conjugate_gradient(CgVariant::DaiYuan),
        ),
        (
            "conjugate descent",
            Params::conjugate_gradient(CgVariant::ConjugateDescent).epochs(5000),
        ),
        ("GD + backtracking", gd_backtracking()),
    ];
    for case in cases() {
        for (label, params) in &methods {
            let r = run(&case, params);
            assert_converged(label, &case, &r);
        }
    }
}

#[test]
fn adaptive_rates_and_momentum_converge_with_generated_gradients() {
    let rules: Vec<(&str, Params)> = vec![
        (
            "Adam 1e-2",
            Params::default().learning_rate(LearningRate::Adam(AdamParams {
                lr: 1e-2,
                ..AdamParams::default()
            })),
        ),
        (
            "AdaGrad 0.5",
            Params::default().learning_rate(LearningRate::AdaGrad { a0: 0.5 }),
        ),
        (
            "Nesterov 0.9, 1e-3",
            Params::gradient_descent(1e-3).momentum(Momentum::default_nesterov()),
        ),
    ];
    for case in cases().into_iter().filter(|c| c.name != "Rosenbrock 10-d") {
        for (label, params) in &rules {
            let r = run(
                &case,
                &params.clone().epochs(200_000).gradient_tolerance(1e-6),
            );
            assert_converged(label, &case, &r);
        }
    }
}

#[test]
fn newton_cg_and_lbfgs_need_far_fewer_iterations_than_gradient_descent() {
    for case in cases() {
        let gd = run(&case, &gd_backtracking());
        let newton = run(&case, &Params::newton_cg());
        let lbfgs = run(&case, &Params::lbfgs());
        println!(
            "{:<16} GD {:>6}  Newton-CG {:>3}  L-BFGS {:>3}",
            case.name, gd.iterations, newton.iterations, lbfgs.iterations
        );
        for r in [&gd, &newton, &lbfgs] {
            assert_eq!(r.reason, StopReason::Converged, "{}", case.name);
        }
        assert!(newton.iterations * 10 <= gd.iterations, "{}", case.name);
        assert!(lbfgs.iterations * 10 <= gd.iterations, "{}", case.name);
    }
}

#[test]
fn hypes_rmsprop_beale_example() {
    // Hype: loss 8.948371e-4 (f32); see hype-runtime/tests/optim_rmsprop_beale.rs.
    let params = Params::default()
        .epochs(3000)
        .learning_rate(LearningRate::RmsProp { a0: 0.01, k: 0.9 });
    let r = minimize(
        |x: &Array1<f64>| value_and_grad!(beale)(x),
        array![1.0, 1.5],
        &params,
    );
    println!(
        "RMSProp Beale: loss {:.6e} at ({:.5}, {:.5})",
        r.value, r.x[0], r.x[1]
    );
    assert_eq!(r.iterations, 3000);
    assert!((r.history[10] - 2.655878e1).abs() < 1e-5);
    assert!((r.value - 8.948371e-4).abs() / 8.948371e-4 < 5e-3);
    assert!((r.x[0] - 2.99909).abs() < 0.01 && (r.x[1] - 0.50040).abs() < 0.01);
}

#[test]
fn closure_literal_objective() {
    let a = quadratic_matrix(4);
    let xs = array![1.0, -2.0, 0.5, 3.0];
    let scale = 2.0;
    let r = minimize(
        |x: &Array1<f64>| value_and_grad!(|y: &Array1<f64>| quadratic(y, &a, &xs) * scale)(x),
        Array1::zeros(4),
        &Params::lbfgs(),
    );
    assert_eq!(r.reason, StopReason::Converged);
    assert!(error(&r.x, &xs) < 1e-6);
}

#[derive(Clone, Debug, Tangent)]
struct Affine {
    w: Array1<f64>,
    b: f64,
}

#[differentiable]
fn least_squares(m: &Affine, #[constant] x: &Array2<f64>, #[constant] y: &Array1<f64>) -> f64 {
    let r = x.dot(&m.w) + m.b - y;
    (&r * &r).sum()
}

#[test]
fn derive_tangent_structs_are_parameters() {
    // y = 2 x0 - x1 + 0.5 exactly: the fit recovers the coefficients.
    let x = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0], [-1.0, 3.0]];
    let y = x.dot(&array![2.0, -1.0]) + 0.5;
    let m0 = Affine {
        w: Array1::zeros(2),
        b: 0.0,
    };
    for params in [
        Params::lbfgs(),
        Params::conjugate_gradient(CgVariant::HestenesStiefel),
    ] {
        let r = minimize(
            |m: &Affine| value_and_grad!(least_squares)(m, &x, &y),
            m0.clone(),
            &params,
        );
        assert_eq!(r.reason, StopReason::Converged);
        assert!(
            (r.x.w[0] - 2.0).abs() < 1e-6
                && (r.x.w[1] + 1.0).abs() < 1e-6
                && (r.x.b - 0.5).abs() < 1e-6
        );
    }
    // The pure gradient-descent step on a struct.
    let params = Params::gradient_descent(0.01);
    let state = StepState::new(&m0);
    let g = grad!(least_squares)(&m0, &x, &y);
    let (m1, state1) = step::gradient_descent_step(&m0, &g, &state, &params).unwrap();
    assert_eq!(state1.t, 1);
    assert!((m1.b + 0.01 * g.b).abs() < 1e-15);
}
