//! Martens' sparse initialization (the seed's default, `init_type="sparse"`): each
//! unit gets at most 15 nonzero incoming weights, standard normal times `coeff`, so
//! that units differ and the scale does not depend on the fan-in.

use crate::Float;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};

/// A `fan_in × fan_out` weight matrix with `min(15, fan_in)` nonzero weights per
/// column, drawn from `N(0, coeff²)` with a seeded generator.
pub fn sparse_init(fan_in: usize, fan_out: usize, coeff: f64, seed: u64) -> Array2<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut w = Array2::zeros((fan_in, fan_out));
    for j in 0..fan_out {
        for i in sample(&mut rng, fan_in, fan_in.min(15)) {
            w[(i, j)] = coeff * normal(&mut rng);
        }
    }
    w
}

/// [`sparse_init`] in the float type `F`: the same `f64` draws, rounded (so an `f32`
/// and an `f64` network start from the same weights up to that rounding).
pub fn sparse_init_as<F: Float>(fan_in: usize, fan_out: usize, coeff: f64, seed: u64) -> Array2<F> {
    sparse_init(fan_in, fan_out, coeff, seed).mapv(F::of_f64)
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
