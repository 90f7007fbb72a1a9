//! The last f64-only pieces in f32: `optim::minimize` with an `f32` objective value,
//! `hyper::LayerwiseHeavyBall`, `hyper::implicit`, the Hessian-free optimizer's
//! `FeedForwardNet`, and reversible learning. Each `f32` result is compared with the
//! `f64` one within f32 precision, and each `f64` derivative with central differences.

use hype::optim::{minimize, minimize_objective, Params, Problem, StopReason};
use hype::prelude::*;
use hype::Float;

/// `max_i |a_i - b_i| <= tol · max_i |b_i|`: `f32` results (`a`, widened) against `f64`
/// ones (`b`); NaN in `a` fails.
#[track_caller]
fn close_rel(what: &str, a: &Array1<f64>, b: &Array1<f64>, tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{what}: all zero");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let diff = (x - y).abs();
        assert!(
            diff <= tol * scale,
            "{what}[{i}]: {x} vs {y} (difference {diff:e}, scale {scale:e})"
        );
    }
}

fn wide<F: Float>(a: &Array1<F>) -> Array1<f64> {
    a.mapv(F::into_f64)
}

// ---------------------------------------------------------------------------------
// `minimize` with an f32 objective value.

/// A smooth bowl with its minimum 0 at `c` (a minimum value of 0 keeps f32 values
/// resolving the decrease to the end).
#[differentiable]
fn bowl<F: Float>(x: &Array1<F>, #[constant] c: &Array1<F>) -> F {
    let d = x - c;
    let d2 = &d * &d;
    (&d2 + &(&d2 * &d2 * F::of_f64(0.25))).sum()
}

#[test]
fn minimize_with_an_f32_value() {
    let c64 = array![0.5, -1.25, 2.0, 0.125];
    let c32 = c64.mapv(|v| v as f32);
    let params = Params::lbfgs();
    let r32 = minimize(
        |x: &Array1<f32>| value_and_grad!(bowl)(x, &c32),
        Array1::<f32>::zeros(4),
        &params,
    );
    // The value, the history and the point are f32.
    let value: f32 = r32.value;
    let history: &Vec<f32> = &r32.history;
    assert_eq!(r32.reason, StopReason::Converged, "{:?}", r32.reason);
    assert_eq!(value, bowl(&r32.x, &c32));
    assert_eq!(history.len(), r32.iterations + 1);
    assert_eq!(*history.last().unwrap(), value);
    assert_eq!(history[0], bowl(&Array1::zeros(4), &c32));

    // The same f32 function with its value widened by the caller: the same run, bit for
    // bit (minimize's arithmetic is f64 on the widened value either way).
    let rw = minimize(
        |x: &Array1<f32>| {
            let (l, g) = value_and_grad!(bowl)(x, &c32);
            (f64::from(l), g)
        },
        Array1::<f32>::zeros(4),
        &params,
    );
    assert_eq!(rw.x, r32.x);
    assert_eq!(rw.iterations, r32.iterations);
    assert_eq!(rw.evaluations, r32.evaluations);
    let widened: Vec<f64> = r32.history.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(rw.history, widened);

    // Against f64: the same minimizer within f32 precision, the first iterates' values
    // (the same path until rounding matters) within a few f32 ulps.
    let r64 = minimize(
        |x: &Array1<f64>| value_and_grad!(bowl)(x, &c64),
        Array1::<f64>::zeros(4),
        &params,
    );
    assert_eq!(r64.reason, StopReason::Converged);
    close_rel("minimizer", &wide(&r32.x), &r64.x, 1e-6); // measured 3.4e-8
    assert!(value < 1e-10 && r64.value < 1e-10, "{value} {}", r64.value);
    for k in 0..3 {
        let (a, b) = (f64::from(r32.history[k]), r64.history[k]);
        assert!((a - b).abs() <= 1e-6 * b, "history[{k}]: {a} vs {b}");
    }
}

#[test]
fn minimize_objective_with_an_f32_validation() {
    let c32 = array![0.5f32, -1.25, 2.0, 0.125];
    let shifted = &c32 + 0.25f32;
    let problem = Problem::new(|x: &Array1<f32>| value_and_grad!(bowl)(x, &c32))
        .with_validation(|x| bowl(x, &shifted));
    let params = Params::gradient_descent(0.05)
        .epochs(40)
        .validation_interval(5);
    let r = minimize_objective(&problem, Array1::<f32>::zeros(4), &params);
    assert!(r.validation_history.len() >= 8);
    for &(k, v) in &r.validation_history {
        let v: f32 = v;
        assert!(v.is_finite() && v > 0.0, "validation at {k}: {v}");
    }
    // The validation value is the f32 function's, at the returned point when it is the
    // last check.
    let &(k, v) = r.validation_history.last().unwrap();
    assert_eq!(k, r.iterations);
    assert_eq!(v, bowl(&r.x, &shifted));
}
