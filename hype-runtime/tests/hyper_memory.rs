//! Checkpointed and truncated Reverse-HG: identical results to the full sweep where
//! they should be, and the memory/work the drivers report.

mod hyper_common;

use hype_runtime::hyper::{
    checkpointed, reverse, truncated, Checkpointing, HeavyBall, HyperError, StepHyper,
};
use hype_runtime::Tangent;
use hyper_common::*;
use ndarray::Array1;

type Problem = (
    HeavyBall<Quadratic>,
    (Array1<f64>, Array1<f64>),
    StepHyper<f64>,
);

fn problem(steps: usize) -> Problem {
    let q = Quadratic::new(6, 21);
    let w0 = Lcg(1).vector(6);
    let lr = (0..steps)
        .map(|t| 0.05 + 0.02 * ((t % 7) as f64) / 7.0)
        .collect();
    let h = StepHyper::schedule(lr, Array1::from_elem(1, 0.5), 0.2);
    (HeavyBall(q), (w0.clone(), w0.zero_like()), h)
}

/// The peak of the √T schedule: while segment `j` (of `J`) is reversed, checkpoints
/// `0..=j` and the segment's inner states are held.
fn sqrt_peak(steps: usize) -> usize {
    let k = (steps as f64).sqrt().ceil() as usize;
    let segments = steps.div_ceil(k);
    (0..segments)
        .map(|j| (j + 1) + ((j + 1) * k).min(steps) - j * k - 1)
        .max()
        .unwrap()
}

#[test]
fn sqrt_checkpointing_equals_full_reverse_with_o_sqrt_t_states() {
    let v = quadratic_validation(Lcg(2).vector(6), 0.0);
    for steps in [1, 2, 10, 99, 100, 400, 1000, 2500] {
        let (d, s0, h) = problem(steps);
        let full = reverse(&d, &v, &s0, &h, steps);
        let c = checkpointed(&d, &v, &s0, &h, steps, Checkpointing::Sqrt).unwrap();
        assert_eq!(c.grad.flatten(), full.grad.flatten(), "T = {steps}");
        assert_eq!(c.value, full.value);
        let root = (steps as f64).sqrt().ceil() as usize;
        assert_eq!(full.stats.peak_states, steps + 1);
        assert_eq!(c.stats.peak_states, sqrt_peak(steps), "T = {steps}");
        assert!(
            c.stats.peak_states <= 2 * root,
            "T = {steps}: {} states",
            c.stats.peak_states
        );
        assert_eq!(c.stats.peak_bytes, c.stats.peak_states * 12 * 8);
        assert!(
            c.stats.steps <= 2 * steps,
            "T = {steps}: {} steps",
            c.stats.steps
        );
        assert_eq!(c.stats.vjps, steps);
    }
    // Concrete figures: T = 100 → 10 checkpoints + 9 recomputed states; T = 400 → 20 + 19.
    assert_eq!(sqrt_peak(100), 19);
    assert_eq!(sqrt_peak(400), 39);
    assert_eq!(sqrt_peak(2500), 99);
}

#[test]
fn binomial_checkpointing_equals_full_reverse_within_its_snapshot_budget() {
    let v = quadratic_validation(Lcg(2).vector(6), 0.0);
    let steps = 100;
    let (d, s0, h) = problem(steps);
    let full = reverse(&d, &v, &s0, &h, steps);
    // (snapshots c, smallest r with C(c + r, c) ≥ 100)
    for (c, r) in [(1, 99), (2, 13), (5, 4), (10, 3), (20, 2), (99, 1)] {
        let b = checkpointed(
            &d,
            &v,
            &s0,
            &h,
            steps,
            Checkpointing::Binomial { snapshots: c },
        )
        .unwrap();
        assert_eq!(b.grad.flatten(), full.grad.flatten(), "c = {c}");
        assert!(
            b.stats.peak_states <= c + 1,
            "c = {c}: {} states",
            b.stats.peak_states
        );
        // The forward sweep plus at most r recomputations of every step.
        assert!(
            b.stats.steps <= r * steps,
            "c = {c}: {} steps",
            b.stats.steps
        );
        assert_eq!(b.stats.vjps, steps);
    }
    // With 10 snapshots: 11 states instead of 101, and at most about 3 sweeps.
    let b = checkpointed(
        &d,
        &v,
        &s0,
        &h,
        steps,
        Checkpointing::Binomial { snapshots: 10 },
    )
    .unwrap();
    assert_eq!(b.stats.peak_states, 11);
    assert!(b.stats.steps < 3 * steps, "{} steps", b.stats.steps);
    assert!(matches!(
        checkpointed(
            &d,
            &v,
            &s0,
            &h,
            steps,
            Checkpointing::Binomial { snapshots: 0 }
        ),
        Err(HyperError::InvalidArgument(_))
    ));
}

#[test]
fn truncated_with_k_equal_t_is_full_reverse_and_shorter_truncations_are_biased() {
    let steps = 60;
    let (d, s0, h) = problem(steps);
    let v = quadratic_validation(Lcg(2).vector(6), 0.1);
    let full = reverse(&d, &v, &s0, &h, steps);
    let t = truncated(&d, &v, &s0, &h, steps, steps).unwrap();
    assert_eq!(t.grad.flatten(), full.grad.flatten());
    assert_eq!(
        t.initial_state_grad.unwrap().flatten(),
        full.initial_state_grad.unwrap().flatten()
    );
    assert_eq!(t.stats.peak_states, steps + 1);

    let mut last_error = f64::INFINITY;
    for k in [0, 1, 5, 10, 20, 40] {
        let t = truncated(&d, &v, &s0, &h, steps, k).unwrap();
        assert_eq!(t.stats.vjps, k);
        assert_eq!(t.stats.peak_states, k + 1);
        assert!(t.initial_state_grad.is_none());
        assert_eq!(t.value, full.value);
        // Rates of the steps before the window get no gradient; the window's rates get
        // contributions only from the window.
        let lr_grad = &t.grad.lr;
        assert!(lr_grad.iter().take(steps - k).all(|&g| g == 0.0), "K = {k}");
        // The L2 weight's gradient converges to the full one as K grows.
        let error = (t.grad.loss - full.grad.loss).abs();
        assert!(
            error < last_error,
            "K = {k}: error {error:e} after {last_error:e}"
        );
        last_error = error;
    }
    // K = 0: only the direct dependence of E on λ (ρ λ = 0.1 · 0.2).
    let t0 = truncated(&d, &v, &s0, &h, steps, 0).unwrap();
    assert!((t0.grad.loss - 0.02).abs() < 1e-15);
    assert!(matches!(
        truncated(&d, &v, &s0, &h, steps, steps + 1),
        Err(HyperError::InvalidArgument(_))
    ));
}

#[test]
fn zero_steps_give_the_direct_dependence_only() {
    let (d, s0, h) = problem(1);
    let v = quadratic_validation(Lcg(2).vector(6), 0.5);
    let full = reverse(&d, &v, &s0, &h, 0);
    // E = ½|w0 - target|² + ½ ρ λ²: dE/dλ = ρ λ, no rate or momentum dependence.
    assert_eq!(full.grad.loss, 0.5 * 0.2);
    assert_eq!(full.grad.lr[0], 0.0);
    assert_eq!(full.stats.peak_states, 1);
    for scheme in [
        Checkpointing::Sqrt,
        Checkpointing::Binomial { snapshots: 2 },
    ] {
        let c = checkpointed(&d, &v, &s0, &h, 0, scheme).unwrap();
        assert_eq!(c.grad, full.grad);
        assert_eq!(c.value, full.value);
        assert_eq!(c.stats.steps, 0);
    }
    let f = hype_runtime::hyper::forward(&d, &v, &s0, &h, 0);
    assert_eq!(f.grad, full.grad);
}
