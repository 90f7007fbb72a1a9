//! The line searches: every accepted step satisfies its conditions (Armijo for
//! backtracking; strong Wolfe), from any initial trial step, on Rosenbrock, Beale and
//! the quadratic; errors for ascent directions; steps into a region where the
//! objective is not finite are shortened.

mod optim_common;

use hype_runtime::optim::*;
use ndarray::{array, Array1};
use optim_common::*;

fn directions(p: &TestProblem, x: &Array1<f64>) -> Vec<Array1<f64>> {
    let g = (p.vg)(x).1;
    let n = x.len();
    // -g, and a descent direction that is not -g.
    let mut d = -&g;
    d[n - 1] *= 0.3;
    d[0] += 0.1 * g[0].abs().max(1.0) * if g[n - 1] > 0.0 { -1.0 } else { 1.0 };
    let mut out = vec![-&g];
    if d.dot(&g) < 0.0 {
        out.push(d);
    }
    out
}

fn starts(p: &TestProblem) -> Vec<Array1<f64>> {
    vec![p.x0.clone(), p.x0.mapv(|v| v * 0.5 + 0.3), &p.xstar + 0.1]
}

#[test]
fn strong_wolfe_steps_satisfy_the_strong_wolfe_conditions() {
    let mut checked = 0;
    for p in all_problems() {
        for x in starts(&p) {
            let (f0, g0) = (p.vg)(&x);
            for d in directions(&p, &x) {
                let d0 = g0.dot(&d);
                for (c1, c2) in [(1e-4, 0.1), (1e-4, 0.5), (1e-4, 0.9), (0.3, 0.4)] {
                    for initial in [1e-8, 1e-3, 1.0, 50.0] {
                        let ls = StrongWolfe {
                            c1,
                            c2,
                            max_step: 100.0,
                            ..StrongWolfe::default()
                        };
                        let step = ls.search(&p.closure(), &x, f0, &g0, &d, initial).unwrap();
                        let xa = &x + &(&d * step.alpha);
                        let (fa, ga) = (p.vg)(&xa);
                        assert!(step.satisfied, "{} c2 {c2} initial {initial}", p.name);
                        assert!(step.alpha > 0.0);
                        assert_eq!(fa, step.value);
                        assert_eq!(Some(ga.clone()), step.gradient);
                        assert!(
                            fa <= f0 + c1 * step.alpha * d0,
                            "{}: sufficient decrease",
                            p.name
                        );
                        assert!(ga.dot(&d).abs() <= c2 * d0.abs(), "{}: curvature", p.name);
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 100);
}

#[test]
fn strong_wolfe_is_exact_on_a_quadratic_line() {
    // Along a line a quadratic is a parabola: the cubic interpolation finds its
    // minimizer, which satisfies any c2.
    let p = quadratic();
    let a = quadratic_matrix();
    let x = p.x0.clone();
    let (f0, g0) = (p.vg)(&x);
    let d = -&g0;
    let exact = -g0.dot(&d) / d.dot(&a.dot(&d));
    let ls = StrongWolfe {
        c1: 1e-4,
        c2: 1e-6,
        max_step: 100.0,
        ..StrongWolfe::default()
    };
    let step = ls.search(&p.closure(), &x, f0, &g0, &d, 1.0).unwrap();
    assert!(
        (step.alpha - exact).abs() < 1e-6 * exact,
        "{} vs {exact}",
        step.alpha
    );
}

#[test]
fn strong_wolfe_respects_max_step() {
    // f(x) = -x on a line: never a curvature point; the search stops at max_step.
    let f = |x: &Array1<f64>| (-x[0], array![-1.0]);
    let ls = StrongWolfe {
        max_step: 8.0,
        ..StrongWolfe::default()
    };
    let step = ls
        .search(&f, &array![0.0], 0.0, &array![-1.0], &array![1.0], 1.0)
        .unwrap();
    assert_eq!(step.alpha, 8.0);
    assert!(!step.satisfied);
}

#[test]
fn backtracking_steps_satisfy_armijo_and_are_the_first_that_do() {
    for p in all_problems() {
        for x in starts(&p) {
            let (f0, g0) = (p.vg)(&x);
            for d in directions(&p, &x) {
                let d0 = g0.dot(&d);
                for (c, rho) in [(1e-4, 0.5), (0.3, 0.8), (1e-4, 0.1)] {
                    let ls = Backtracking {
                        c,
                        rho,
                        ..Backtracking::default()
                    };
                    let step = ls.search(&p.closure(), &x, f0, &g0, &d, 1.0).unwrap();
                    let fa = (p.vg)(&(&x + &(&d * step.alpha))).0;
                    assert_eq!(fa, step.value);
                    assert!(fa < f0 + c * step.alpha * d0);
                    assert!(step.gradient.is_none());
                    // The trial before (α / ρ) failed, unless α is the initial step.
                    if step.alpha < 1.0 {
                        let prev = step.alpha / rho;
                        let fp = (p.vg)(&(&x + &(&d * prev))).0;
                        assert!(
                            fp >= f0 + c * prev * d0 || fp.is_nan(),
                            "{}: α/ρ = {prev} was acceptable",
                            p.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn ascent_directions_are_rejected() {
    let p = rosenbrock();
    let (f0, g0) = (p.vg)(&p.x0);
    let up = g0.clone();
    assert_eq!(
        StrongWolfe::default()
            .search(&p.closure(), &p.x0, f0, &g0, &up, 1.0)
            .unwrap_err(),
        LineSearchError::NotDescent
    );
    assert_eq!(
        Backtracking::default()
            .search(&p.closure(), &p.x0, f0, &g0, &up, 1.0)
            .unwrap_err(),
        LineSearchError::NotDescent
    );
    let zero = Array1::zeros(2);
    assert_eq!(
        Backtracking::default()
            .search(&p.closure(), &p.x0, f0, &g0, &zero, 1.0)
            .unwrap_err(),
        LineSearchError::NotDescent
    );
}

#[test]
fn backtracking_gives_up_after_max_iterations() {
    let p = rosenbrock();
    let (f0, g0) = (p.vg)(&p.x0);
    let ls = Backtracking {
        max_iterations: 3,
        ..Backtracking::default()
    };
    assert_eq!(
        ls.search(&p.closure(), &p.x0, f0, &g0, &-&g0, 1.0)
            .unwrap_err(),
        LineSearchError::NoDecrease
    );
}

/// `f(x) = -ln(1 - x) - x/2` on x < 1 (infinite beyond); minimizer x = -1.
fn barrier(x: &Array1<f64>) -> (f64, Array1<f64>) {
    let t = x[0];
    if t >= 1.0 {
        (f64::INFINITY, array![f64::NAN])
    } else {
        (-(1.0 - t).ln() - 0.5 * t, array![1.0 / (1.0 - t) - 0.5])
    }
}

#[test]
fn steps_into_non_finite_values_are_shortened() {
    let x = array![-3.0];
    let (f0, g0) = barrier(&x);
    let d = -&g0; // points to larger x
    for initial in [1.0, 100.0, 1e4] {
        let step = StrongWolfe {
            max_step: 1e6,
            ..StrongWolfe::default()
        }
        .search(&barrier, &x, f0, &g0, &d, initial)
        .unwrap();
        assert!(step.value.is_finite() && step.value < f0);
        let step = Backtracking::default()
            .search(&barrier, &x, f0, &g0, &d, initial)
            .unwrap();
        assert!(step.value.is_finite() && step.value < f0);
    }
    // And minimize gets to the minimizer with both.
    for lr in [
        LearningRate::default_backtrack(),
        LearningRate::StrongWolfe {
            max_step: 1e3,
            c1: 1e-4,
            c2: 0.5,
        },
    ] {
        let r = minimize(
            barrier,
            array![0.9],
            &Params::default()
                .learning_rate(lr)
                .epochs(1000)
                .gradient_tolerance(1e-7),
        );
        assert_eq!(
            r.reason,
            StopReason::Converged,
            "{:?} {} {}",
            r.reason,
            r.x,
            r.iterations
        );
        assert!((r.x[0] + 1.0).abs() < 1e-6, "{}", r.x[0]);
    }
}
