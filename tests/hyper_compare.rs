//! `examples/hyper_compare.rs` in a small configuration (12 heavy-ball steps of 10
//! digits, 3 rate phases and an L2 weight): the drivers against each other and
//! against central differences of training itself.

#[path = "../examples/hyper_compare.rs"]
#[allow(dead_code)]
mod hyper_compare;

use hype::hyper::{forward, rtho, OuterMethod, Projection, RthoParams};
use hype::ndarray::Array1;
use hyper_compare::{problem, relative_error, Config, Driver, Problem};

fn small() -> Problem {
    problem(&Config {
        steps: 12,
        batch: 10,
        phases: 3,
        momentum: 0.9,
        rate: 0.1,
        l2: 5.0,
        validation: 100,
        training: 200,
        windows: vec![],
        outer: 0,
        outer_rate: 0.02,
    })
}

/// Index of the L2 weight among the hyperparameters.
const L2: usize = 3;

/// A point where the phases have different rates.
fn point() -> Array1<f64> {
    Array1::from(vec![0.15, 0.1, 0.05, 5.0])
}

#[test]
fn full_reverse_hg_matches_central_differences_of_training() {
    let p = small();
    let h = point();
    let g = p.hypergradient(Driver::Full, &h).unwrap();
    assert_eq!(g.value, p.loss(&h));
    for i in 0..h.len() {
        let eps = 1e-5 * h[i].abs();
        let (mut up, mut down) = (h.clone(), h.clone());
        up[i] += eps;
        down[i] -= eps;
        let fd = (p.loss(&up) - p.loss(&down)) / (2.0 * eps);
        assert!(
            (g.grad[i] - fd).abs() <= 1e-6 * fd.abs(),
            "dE/dh[{i}]: Reverse-HG {} vs central differences {fd}",
            g.grad[i]
        );
    }
}

#[test]
fn checkpointed_and_full_window_truncated_equal_full_reverse_hg() {
    let p = small();
    let h = point();
    let full = p.hypergradient(Driver::Full, &h).unwrap();
    let sqrt = p.hypergradient(Driver::Sqrt, &h).unwrap();
    assert_eq!(
        sqrt.grad, full.grad,
        "√T checkpoints recompute the same steps"
    );
    let k_full = p.hypergradient(Driver::Truncated(12), &h).unwrap();
    assert!(relative_error(&k_full.grad, &full.grad) <= 1e-10);
    assert_eq!(k_full.stats.peak_states, 13);
    assert!(sqrt.stats.peak_states < full.stats.peak_states);
}

#[test]
fn truncation_is_exact_on_the_phases_inside_the_window_and_zero_before() {
    let p = small();
    let h = point();
    let full = p.hypergradient(Driver::Full, &h).unwrap().grad;
    // Phases of 4 steps: 0..4, 4..8, 8..12. A rate acts only in its own phase, so
    // back-propagating through the last K steps gives the exact derivative for the
    // phases inside the window and none for those before it.
    for (k, exact, zero) in [(4, vec![2], vec![0, 1]), (8, vec![1, 2], vec![0])] {
        let g = p.hypergradient(Driver::Truncated(k), &h).unwrap();
        assert_eq!(g.stats.peak_states, k + 1);
        for i in exact {
            assert!(
                (g.grad[i] - full[i]).abs() <= 1e-10 * full[i].abs(),
                "K = {k}, phase {i}: {} vs {}",
                g.grad[i],
                full[i]
            );
        }
        for i in zero {
            assert_eq!(g.grad[i], 0.0, "K = {k}, phase {i}");
        }
        // The L2 weight acts at every step: its derivative is only approximated.
        assert!(full[L2] != 0.0 && g.grad[L2] != full[L2]);
    }
    // Over the windows 1, 2, 4, 8, 12 the error of the rates' part never grows, and
    // that of the whole hypergradient reaches zero.
    let rates = |g: &Array1<f64>| g.slice(hype::ndarray::s![..3]).to_owned();
    let mut last = f64::INFINITY;
    for k in [1, 2, 4, 8, 12] {
        let g = p.hypergradient(Driver::Truncated(k), &h).unwrap().grad;
        let e = relative_error(&rates(&g), &rates(&full));
        assert!(e <= last + 1e-12, "K = {k}: error {e} after {last}");
        last = e;
    }
    assert!(last <= 1e-10);
}

#[test]
fn rtho_records_forward_hg_of_the_same_dynamics() {
    let p = small();
    let h = point();
    let full = p.hypergradient(Driver::Full, &h).unwrap();
    let fwd = p.hypergradient(Driver::Forward, &h).unwrap();
    assert!(
        relative_error(&fwd.grad, &full.grad) <= 1e-10,
        "Forward-HG {} vs Reverse-HG {}",
        fwd.grad,
        full.grad
    );
    // RTHO's hypergradient after u steps is Forward-HG's over those u steps.
    let d = p.dynamics();
    let v = |s: &Vec<hyper_compare::Net>, h: &Array1<f64>| p.validation(s, h);
    for u in [5, 12] {
        let r = p.hypergradient(Driver::Rtho(u), &h).unwrap();
        let f = forward(&d, &v, &p.s0(), &h, u);
        assert_eq!(r.grad, f.grad, "u = {u}");
        assert_eq!(r.value, f.value);
    }
    // Along one run with updates every 4 steps, each recorded hypergradient is the
    // derivative of the validation loss at that step with respect to the
    // hyperparameters the run used until then: checked for the first update.
    let params = RthoParams {
        steps: 12,
        update_every: 4,
        method: OuterMethod::GradientDescent { lr: 1e-3 },
        projection: Projection::None,
    };
    let run = rtho(&d, &v, &p.s0(), &h, &params).unwrap();
    assert_eq!(run.history.len(), 3);
    assert_eq!(run.history[0].grad, forward(&d, &v, &p.s0(), &h, 4).grad);
    // The update is one step of gradient descent along that hypergradient.
    assert!(run.hyper != h && run.value.is_finite());
}
