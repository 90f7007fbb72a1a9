//! Bad inputs: errors and panic messages that name what is wrong.

mod hyper_common;

use hype_runtime::hyper::{
    forward, reverse, HyperError, InnerLoss, OuterMethod, OuterOptimizer, SgdMomentum, StepHyper,
};
use hype_runtime::optim::AdamParams;
use hype_runtime::Tangent;
use hyper_common::*;
use ndarray::{array, Array1};

#[test]
#[should_panic(expected = "step 3 reads the learning-rate schedule of length 3")]
fn schedule_shorter_than_the_run_panics_with_lengths() {
    let q = Quadratic::new(3, 1);
    let h = StepHyper::schedule(array![0.1, 0.1, 0.1], Array1::zeros(0), 0.0);
    let v = quadratic_validation(Array1::zeros(3), 0.0);
    reverse(
        &hype_runtime::hyper::GradientDescent(q),
        &v,
        &Array1::zeros(3),
        &h,
        5,
    );
}

struct WrongGradient;

impl InnerLoss for WrongGradient {
    type Hyper = ();
    fn gradient(&self, _w: &Array1<f64>, _lam: &()) -> Array1<f64> {
        Array1::zeros(4)
    }
    fn gradient_vjp(&self, w: &Array1<f64>, _lam: &(), _v: &Array1<f64>) -> (Array1<f64>, ()) {
        (w.zero_like(), ())
    }
    fn gradient_jvp(&self, w: &Array1<f64>, _: &(), _: &Array1<f64>, _: &()) -> Array1<f64> {
        w.zero_like()
    }
}

#[test]
#[should_panic(expected = "parameters have 3 scalars but the gradient has 4")]
fn gradient_of_the_wrong_size_panics_with_sizes() {
    let h = StepHyper::constant(0.1, 0.5, ());
    let v = |s: &(Array1<f64>, Array1<f64>), h: &StepHyper<()>| (0.0, s.zero_like(), h.zero_like());
    let s0 = (Array1::zeros(3), Array1::zeros(3));
    forward(&SgdMomentum(WrongGradient), &v, &s0, &h, 2);
}

#[test]
fn schedule_length_check_and_outer_optimizer_constants() {
    let h = StepHyper::schedule(Array1::from_elem(4, 0.1), Array1::from_elem(2, 0.9), ());
    assert_eq!(h.check(4, false), Ok(()));
    let err = h.check(4, true).unwrap_err();
    assert_eq!(
        err,
        HyperError::Length {
            what: "momentum schedule",
            expected: "1 or the number of steps (4)".into(),
            found: 2
        }
    );
    assert_eq!(
        err.to_string(),
        "hype::hyper: momentum schedule has length 2, expected 1 or the number of steps (4)"
    );
    let bad = OuterMethod::Adam(AdamParams {
        beta1: 1.0,
        ..AdamParams::default()
    });
    let e = OuterOptimizer::new(bad, &0.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "hype::hyper: outer optimizer: beta1 = 1 is out of range"
    );
    assert!(OuterOptimizer::new(
        OuterMethod::RmsProp {
            lr: 0.1,
            decay: 1.5
        },
        &0.0
    )
    .is_err());
    // A valid optimizer steps as documented: gradient descent is λ - lr g.
    let mut gd = OuterOptimizer::new(OuterMethod::GradientDescent { lr: 0.5 }, &0.0).unwrap();
    assert_eq!(gd.step(&1.0, &0.25), 0.875);
}
