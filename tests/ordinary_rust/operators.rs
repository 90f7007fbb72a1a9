//! Operators as a JAX user expects them: reusable pullbacks, Hessians over several
//! parameters.

use crate::check::*;
use hype::prelude::*;

#[differentiable(order = 2)]
fn two_params(w: &Array1<f64>, s: f64) -> f64 {
    (w * s).tanh().sum() + s * s * w[0]
}

#[test]
fn a_pullback_can_be_called_many_times() {
    let w = array![0.3, -0.5];
    let (v, pb) = vjp!(two_params)(&w, 0.7);
    assert_eq!(v, two_params(&w, 0.7));
    let (g1, s1) = pb(&1.0);
    let (g2, s2) = pb(&2.0);
    let (g3, s3) = pb(&-0.5);
    let (gw, gs) = grad!(two_params)(&w, 0.7);
    for (g, s, c) in [(g1, s1, 1.0), (g2, s2, 2.0), (g3, s3, -0.5)] {
        assert_all_close(
            "pullback",
            g.as_slice().unwrap(),
            (&gw * c).as_slice().unwrap(),
            1e-14,
        );
        assert_close("pullback", s, gs * c, 1e-14);
    }
}

#[test]
fn hessian_over_two_parameters() {
    let w = array![0.3, -0.5];
    let s = 0.7;
    let h = hessian!(two_params)(&w, s);
    assert_eq!(h.dim(), (3, 3));
    // Column j: differences of the gradient (flattened as (w, s)) along e_j.
    let grad_flat = |z: &[f64]| {
        let (gw, gs) = grad!(two_params)(&array![z[0], z[1]], z[2]);
        vec![gw[0], gw[1], gs]
    };
    for j in 0..3 {
        let mut e = vec![0.0; 3];
        e[j] = 1.0;
        check_hvp(&grad_flat, &h.column(j).to_vec(), &[0.3, -0.5, 0.7], &e);
    }
    for i in 0..3 {
        for j in 0..3 {
            assert_close("symmetric", h[[i, j]], h[[j, i]], 1e-12);
        }
    }
    assert_close(
        "laplacian",
        laplacian!(two_params)(&w, s),
        h.diag().sum(),
        1e-12,
    );
}
