//! A corpus of randomly generated `#[differentiable]` programs
//! (`tests/corpus/generated.rs`, written by `hype-transform/examples/generate_corpus.rs`;
//! its header holds the exact command and seed). For every function, at its evaluation
//! point: `grad!` (reverse mode) and `jvp!` (forward mode, one basis direction per
//! input) are compared with central finite differences and with each other. All
//! mismatches are collected and reported together, each with the function's name.

#[path = "corpus/checker.rs"]
mod checker;
pub use checker::*;

#[rustfmt::skip]
#[path = "corpus/generated.rs"]
mod generated;

#[test]
fn generated_corpus_matches_finite_differences() {
    let mut c = Checker::default();
    for check in generated::ALL {
        check(&mut c);
    }
    assert_eq!(c.checked, generated::COUNT);
    // Its f32 copies (`--f32`), against the f64 functions.
    assert_eq!(c.singles, generated::COUNT);
    eprintln!(
        "corpus seed {}: {} functions, {} partial derivatives ({} not zero), {} mismatches",
        generated::SEED,
        c.checked,
        c.inputs,
        c.nonzero,
        c.failures.len()
    );
    assert!(
        c.failures.is_empty(),
        "{} mismatches in the generated corpus (seed {}):\n{}",
        c.failures.len(),
        generated::SEED,
        c.failures.join("\n")
    );
}

#[test]
fn corpus_has_at_least_200_functions() {
    assert!(generated::ALL.len() >= 200, "{}", generated::ALL.len());
}

use hype::prelude::*;

// Sweep seed 5504 f008 (`--f32`) returns `((exp(tanh a) - acc) + acc) + s` where `acc`
// has a tangent of 3.8e9 along `a`: reverse mode adds the adjoints -1 + 1 of `acc`
// exactly, forward mode rounds `(u' - acc') + acc'` on the grid of `acc'` (2^-21), 1e-7
// off. Not a transform error: the checker allows forward mode's own rounding.
#[differentiable]
fn cancelled_large_tangent(a: f64) -> f64 {
    let c = (4.0e9 * a).sin();
    (a.tanh().exp() - c) + c
}

/// d/da exp(tanh a), the derivative of `cancelled_large_tangent`.
fn cancelled_large_tangent_closed(a: f64) -> f64 {
    a.tanh().exp() * (1.0 - a.tanh().powi(2))
}

#[test]
fn checker_allows_forward_rounding_of_a_cancelled_tangent() {
    for a in [-0.905, 0.7] {
        let closed = cancelled_large_tangent_closed(a);
        let g = grad!(cancelled_large_tangent)(a);
        let (_, j) = jvp!(cancelled_large_tangent)(a, 1.0);
        assert!((g - closed).abs() <= 1e-15, "{g} {closed}");
        // The premise: forward mode is off by its rounding, far above the 1e-10 of the
        // comparison of the modes, and below 2^-22 (half the grid of 4e9).
        let off = (j - closed).abs();
        assert!(off > 1e-8 && off <= 2f64.powi(-22), "{j} {closed}");
        let mut c = Checker::default();
        c.check(
            "cancelled_large_tangent",
            "a",
            &[a],
            &|p: &[f64]| cancelled_large_tangent(p[0]),
            &|p: &[f64]| vec![grad!(cancelled_large_tangent)(p[0])],
            &|p: &[f64], t: &[f64]| jvp!(cancelled_large_tangent)(p[0], t[0]),
        );
        assert!(c.failures.is_empty(), "{:?}", c.failures);
        assert_eq!(c.rounding_limited, 1);
    }
}

#[test]
fn checker_still_rejects_small_forward_errors() {
    let a = 0.7;
    let f = |p: &[f64]| p[0].tanh().exp();
    let grad = |p: &[f64]| vec![cancelled_large_tangent_closed(p[0])];
    // Off by 1e-8 relative, linear in the seed: no rounding spread allows it.
    let linear = |p: &[f64], t: &[f64]| {
        (
            f(p),
            cancelled_large_tangent_closed(p[0]) * t[0] * (1.0 + 1e-8),
        )
    };
    // Off by 1e-8 times the seed squared: a spread, but not odd in the seed.
    let squared = |p: &[f64], t: &[f64]| {
        (
            f(p),
            cancelled_large_tangent_closed(p[0]) * t[0] + 1e-8 * t[0] * t[0],
        )
    };
    for (jvp, why) in [
        (
            &linear as &dyn Fn(&[f64], &[f64]) -> (f64, f64),
            "(jvp! rounding ",
        ),
        (&squared, "not odd in its seed"),
    ] {
        let mut c = Checker::default();
        c.check("wrong_forward", "a", &[a], &f, &grad, jvp);
        assert_eq!(c.failures.len(), 1, "{:?}", c.failures);
        assert!(c.failures[0].contains("[grad!≠jvp!]"), "{}", c.failures[0]);
        assert!(c.failures[0].contains(why), "{}", c.failures[0]);
        assert_eq!(c.rounding_limited, 0);
    }
}
