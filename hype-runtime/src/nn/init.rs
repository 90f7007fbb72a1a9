//! Weight initializers.

use crate::Float;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How to draw the initial weights of a layer with `fan_in` inputs and `fan_out`
/// outputs (biases start at zero).
#[derive(Clone, Copy, Debug)]
pub enum Init {
    /// Uniform on `[-a, a]`.
    Uniform(f64),
    /// Normal with mean 0 and the given standard deviation.
    Normal(f64),
    /// Glorot/Xavier uniform: `a = sqrt(6 / (fan_in + fan_out))`.
    Glorot,
    /// He/ReLU normal: standard deviation `sqrt(2 / fan_in)`.
    He,
    /// Uniform scaled for tanh units: `a = 4 sqrt(6 / (fan_in + fan_out))` (Glorot's
    /// recommendation for tanh, as in Hype).
    Tanh,
    /// A custom function of (row, column, fan_in, fan_out).
    Custom(fn(usize, usize, usize, usize) -> f64),
}

impl Init {
    /// A `fan_in × fan_out` weight matrix drawn with a seeded generator.
    pub fn weights(self, fan_in: usize, fan_out: usize, seed: u64) -> Array2<f64> {
        let mut rng = StdRng::seed_from_u64(seed);
        let total = (fan_in + fan_out).max(1) as f64;
        match self {
            Init::Uniform(a) => Array2::from_shape_fn((fan_in, fan_out), |_| rng.gen_range(-a..=a)),
            Init::Normal(sd) => Array2::from_shape_fn((fan_in, fan_out), |_| sd * normal(&mut rng)),
            Init::Glorot => {
                let a = (6.0 / total).sqrt();
                Array2::from_shape_fn((fan_in, fan_out), |_| rng.gen_range(-a..=a))
            }
            Init::He => {
                let sd = (2.0 / fan_in.max(1) as f64).sqrt();
                Array2::from_shape_fn((fan_in, fan_out), |_| sd * normal(&mut rng))
            }
            Init::Tanh => {
                let a = 4.0 * (6.0 / total).sqrt();
                Array2::from_shape_fn((fan_in, fan_out), |_| rng.gen_range(-a..=a))
            }
            Init::Custom(f) => {
                Array2::from_shape_fn((fan_in, fan_out), |(i, j)| f(i, j, fan_in, fan_out))
            }
        }
    }
}

impl Init {
    /// [`Init::weights`] rounded to the float type `F` (the same draws for `f32` and
    /// `f64`, so an `f32` layer is the `f64` one rounded).
    pub fn weights_as<F: Float>(self, fan_in: usize, fan_out: usize, seed: u64) -> Array2<F> {
        self.weights(fan_in, fan_out, seed).mapv(F::of_f64)
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
