//! Hype's charged-particle example (after Siskind & Pearlmutter): a particle starts
//! at (0, 8) moving right at 0.75 and is pushed by the gradient of the potential of
//! two charges, one of them at (10, 10 - w). Euler steps of 0.1 run until it hits the
//! ground. Newton's method on the control `w` drives the landing point to x = 0,
//! using the derivative of the whole simulation, which itself differentiates the
//! potential inside its loop (nested derivatives, no perturbation confusion).
//!
//! `cargo run --release --example particle`

use hype::prelude::*;

/// The potential of the two charges at `x`, for control `w`.
#[differentiable(order = 2)]
pub fn potential(x: &Array1<f64>, w: f64) -> f64 {
    let d1 = ((x[0] - 10.0).powi(2) + (x[1] - (10.0 - w)).powi(2)).sqrt();
    let d2 = ((x[0] - 10.0).powi(2) + x[1].powi(2)).sqrt();
    1.0 / d1 + 1.0 / d2
}

/// Where the particle lands (its x coordinate when y reaches 0), for control `w`.
#[differentiable]
pub fn landing_x(w: f64) -> f64 {
    let mut x = array![0.0, 8.0];
    let mut xdot = array![0.75, 0.0];
    let dt: f64 = 0.1;
    let mut flying = true;
    let mut landed = 0.0;
    while flying {
        // The force is minus the gradient of the potential at the particle.
        let (g, _gw) = grad!(potential)(&x, w);
        let x_new: Array1<f64> = x.clone() + dt * xdot.clone();
        if x_new[1] > 0.0 {
            x = x_new;
            xdot = xdot - dt * g;
        } else {
            // Interpolate the last step to the ground.
            let dt_f = -x[1] / xdot[1];
            landed = x[0] + dt_f * xdot[0];
            flying = false;
        }
    }
    landed
}

/// Newton's method on the landing point: returns `(w, error, iterations)` where the
/// error is the squared landing coordinate.
pub fn solve(w0: f64, iterations: usize) -> (f64, f64, usize) {
    let mut w = w0;
    for _ in 0..iterations {
        let (value, slope) = hype::jvp!(landing_x)(w, 1.0);
        w -= value / slope;
    }
    let e = landing_x(w);
    (w, e * e, iterations)
}

#[allow(dead_code)]
fn main() {
    let (w, err, n) = solve(0.0, 10);
    println!("particle: w* = {w:.9}, error {err:.3e} after {n} Newton iterations");
    println!("Hype reports w* = 0.182166889 and error 1.15e-12 after 10 iterations");
}
