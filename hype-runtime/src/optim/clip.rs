//! Gradient clipping (Hype's `GradientClipping`).

use super::vector::norm;
use super::OptimError;
use crate::tangent::Tangent;

/// Whether and how the gradient is clipped before the method sees it.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum GradientClipping {
    /// No clipping. Hype's default.
    #[default]
    NoClip,
    /// Rescale `g` to norm `threshold` when its norm exceeds it (Pascanu et al., 2013).
    NormClip(f64),
}

impl GradientClipping {
    /// Hype's `DefaultNormClip`: `NormClip(1)`.
    pub fn default_norm_clip() -> Self {
        GradientClipping::NormClip(1.0)
    }

    /// The clipped gradient.
    pub fn apply<P: Tangent>(&self, g: &P) -> P {
        let mut out = g.clone();
        if let GradientClipping::NormClip(t) = *self {
            let n = norm(g);
            if n > t {
                out.scale(t / n);
            }
        }
        out
    }

    /// Checks that the threshold is positive.
    pub fn validate(&self) -> Result<(), OptimError> {
        match self {
            GradientClipping::NoClip => Ok(()),
            GradientClipping::NormClip(t) => {
                super::params::check("NormClip threshold", *t, *t > 0.0, "> 0")
            }
        }
    }
}
