//! The seeded random numbers of the samplers: uniform and standard normal draws.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};

/// A seeded generator (`rand`'s `StdRng`) with standard normal draws (Box–Muller, both
/// values used).
#[derive(Debug, Clone)]
pub struct SamplerRng {
    rng: StdRng,
    spare: Option<f64>,
}

impl SamplerRng {
    /// A generator determined by `seed`.
    pub fn new(seed: u64) -> Self {
        SamplerRng {
            rng: StdRng::seed_from_u64(seed),
            spare: None,
        }
    }

    /// A uniform draw from `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        self.rng.gen::<f64>()
    }

    /// A standard normal draw.
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        let r = (-2.0 * u.ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * v;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }

    /// `n` standard normal draws.
    pub fn normals(&mut self, n: usize) -> ndarray::Array1<f64> {
        ndarray::Array1::from_shape_fn(n, |_| self.normal())
    }
}
