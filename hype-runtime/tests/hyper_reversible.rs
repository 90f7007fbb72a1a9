//! Reversible learning: the fixed-point trajectory of SGD with momentum is recovered
//! bit-exactly backwards (where floating point cannot), the information stored is
//! reported, and the hypergradient matches Reverse-HG and finite differences.

mod hyper_common;

use hype_runtime::hyper::{
    reverse, reversible, HyperError, InnerLoss, ReversibleParams, SgdMomentum, StepHyper,
};
use hype_runtime::Tangent;
use hyper_common::*;
use ndarray::Array1;

fn problem() -> (SgdMomentum<Logistic>, Logistic, (Array1<f64>, Array1<f64>)) {
    let train = Logistic::new(40, 8, 31);
    let val = Logistic::new(40, 8, 32);
    let w0 = Lcg(33).vector(8) * 0.5;
    (SgdMomentum(train), val, (w0.clone(), w0.zero_like()))
}

fn lam() -> (Array1<f64>, f64) {
    (Array1::from_elem(40, 1.0), 0.01)
}

#[test]
fn reverses_500_steps_bit_exactly_and_reports_stored_information() {
    let (d, val, s0) = problem();
    let steps = 500;
    let h = StepHyper::constant(0.5, 0.9, lam());
    let v = logistic_validation(val);
    let r = reversible(&d, &v, &s0, &h, &ReversibleParams::new(steps)).unwrap();
    assert_eq!(r.momenta, vec![(9, 10); steps]);
    // The recovered initial state is the initial state, integer for integer, and every
    // bit of the information buffer has been consumed.
    assert_eq!(r.recovered_exact, r.initial_exact);
    assert_eq!(r.info_bits_after_reversal, 0);
    // Training moved: the final state is far from the initial one.
    assert!((&r.final_state.0 - &s0.0).mapv(f64::abs).sum() > 0.1);

    let info = r.hypergradient.stats.info_bits;
    let per_coord_step = info as f64 / (steps * 8) as f64;
    eprintln!(
        "reversible, T = {steps}, n = 8, μ = 9/10: {info} bits stored ({per_coord_step:.3} bits per coordinate and step; log2(10/9) = {:.3}); a stored f64 trajectory of (w, v): {} bits ({:.0}× more); peak bytes {}",
        (10.0f64 / 9.0).log2(),
        r.trajectory_bits,
        r.trajectory_bits as f64 / info as f64,
        r.hypergradient.stats.peak_bytes
    );
    // About log2(10/9) = 0.152 bits per coordinate and step (at most 1), far below the
    // 128 bits of a stored trajectory.
    assert!(
        per_coord_step > 0.1 && per_coord_step < 0.35,
        "{per_coord_step}"
    );
    assert_eq!(r.trajectory_bits, 500 * 16 * 64);
    assert_eq!(r.hypergradient.stats.peak_states, 1);
    assert_eq!(r.hypergradient.stats.vjps, steps);

    // The hypergradient is Reverse-HG's on the floating-point trajectory.
    let full = reverse(&d, &v, &s0, &h, steps);
    let e = rel_err(&r.hypergradient.grad.flatten(), &full.grad.flatten());
    assert!(e < 1e-8, "reversible vs reverse: relative error {e:e}");
    assert!((r.hypergradient.value - full.value).abs() < 1e-10 * full.value.abs());
    let e0 = rel_err(
        &r.hypergradient.initial_state_grad.unwrap().flatten(),
        &full.initial_state_grad.unwrap().flatten(),
    );
    assert!(e0 < 1e-8, "dE/ds0: relative error {e0:e}");
}

#[test]
fn floating_point_cannot_reverse_the_same_run() {
    // The same dynamics run backwards in f64 (`w = w' - α v'`, `v = (v' + (1-μ) g) / μ`)
    // does not return to the start: dividing by μ amplifies rounding errors.
    let (d, _, s0) = problem();
    let steps = 500;
    let (a, mu) = (0.5, 0.5);
    let lam = lam();
    let (mut w, mut v) = s0.clone();
    for _ in 0..steps {
        let g = d.0.gradient(&w, &lam);
        v = mu * &v - &((1.0 - mu) * &g);
        w = &w + &(a * &v);
    }
    for _ in 0..steps {
        w = &w - &(a * &v);
        let g = d.0.gradient(&w, &lam);
        v = (&v + &((1.0 - mu) * &g)) / mu;
    }
    let drift = (&w - &s0.0).mapv(f64::abs).sum();
    assert!(
        drift > 1.0 || !drift.is_finite(),
        "f64 reversal drifted only {drift:e}"
    );

    // Exact arithmetic reverses it, with 1 bit per coordinate and step for μ = 1/2.
    let h = StepHyper::constant(a, mu, lam);
    let v = logistic_validation(Logistic::new(40, 8, 32));
    let r = reversible(&d, &v, &s0, &h, &ReversibleParams::new(steps)).unwrap();
    assert_eq!(r.recovered_exact, r.initial_exact);
    assert_eq!(r.momenta[0], (1, 2));
    let per = r.hypergradient.stats.info_bits as f64 / (steps * 8) as f64;
    assert!(
        (per - 1.0).abs() < 0.01,
        "{per} bits per coordinate and step"
    );
}

#[test]
fn momentum_schedules_with_arbitrary_values_reverse_exactly() {
    let (d, val, s0) = problem();
    let steps = 150;
    let lr: Array1<f64> = (0..steps)
        .map(|t| 0.3 + 0.2 * (t as f64 * 0.1).cos())
        .collect();
    let mu: Array1<f64> = (0..steps)
        .map(|t| 0.7 + 0.25 * (t as f64 * 0.37).sin())
        .collect();
    let h = StepHyper::schedule(lr, mu, lam());
    let v = logistic_validation(val);
    let r = reversible(&d, &v, &s0, &h, &ReversibleParams::new(steps)).unwrap();
    assert_eq!(r.recovered_exact, r.initial_exact);
    assert_eq!(r.info_bits_after_reversal, 0);
    for (t, &(n, den)) in r.momenta.iter().enumerate() {
        assert!(
            (n as f64 / den as f64 - h.momentum[t]).abs() < 1e-16,
            "step {t}"
        );
    }
    let full = reverse(&d, &v, &s0, &h, steps);
    let e = rel_err(&r.hypergradient.grad.flatten(), &full.grad.flatten());
    assert!(e < 1e-8, "reversible vs reverse: relative error {e:e}");
    // And against finite differences, on the L2 weight and a few schedule entries.
    let fd = finite_differences(&d, &v, &s0, &h, steps, 1e-5);
    let e = rel_err(&r.hypergradient.grad.flatten(), &fd);
    assert!(
        e < 1e-6,
        "reversible vs finite differences: relative error {e:e}"
    );
}

#[test]
fn bad_arguments_are_errors() {
    let (d, val, s0) = problem();
    let v = logistic_validation(val);
    let p = ReversibleParams::new(10);
    let one = StepHyper::constant(0.5, 1.0, lam());
    assert!(matches!(
        reversible(&d, &v, &s0, &one, &p),
        Err(HyperError::InvalidArgument(_))
    ));
    let short = StepHyper::schedule(Array1::from_elem(3, 0.1), Array1::from_elem(1, 0.9), lam());
    let err = reversible(&d, &v, &s0, &short, &p).unwrap_err();
    assert_eq!(
        err.to_string(),
        "hype::hyper: learning-rate schedule has length 3, expected 1 or the number of steps (10)"
    );
    let big = (Array1::from_elem(8, 1e9), Array1::zeros(8));
    let h = StepHyper::constant(0.5, 0.9, lam());
    assert!(matches!(
        reversible(&d, &v, &big, &h, &p),
        Err(HyperError::InvalidArgument(_))
    ));
}
