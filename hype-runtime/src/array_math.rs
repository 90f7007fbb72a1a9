//! The float math methods that ndarray's arrays (of `f64` or `f32`) lack, so that the same method reads the
//! same on a scalar and on an array inside `#[differentiable]` code (`z.tanh()`,
//! `z.max(0.0)`). In the prelude; ndarray's own methods (`exp`, `sin`, `ln`, ...) keep
//! precedence, being inherent.

use crate::Float;
use ndarray::{Array, ArrayBase, Data, Dimension};

/// Elementwise math on arrays of `f64` or `f32` beyond ndarray's own methods.
pub trait ArrayMath {
    /// The scalar type (`f64` or `f32`).
    type Elem;
    /// The owned result.
    type Out;
    /// Hyperbolic tangent elementwise.
    fn tanh(&self) -> Self::Out;
    /// Hyperbolic sine elementwise.
    fn sinh(&self) -> Self::Out;
    /// Hyperbolic cosine elementwise.
    fn cosh(&self) -> Self::Out;
    /// Arcsine elementwise.
    fn asin(&self) -> Self::Out;
    /// Arccosine elementwise.
    fn acos(&self) -> Self::Out;
    /// Arctangent elementwise.
    fn atan(&self) -> Self::Out;
    /// Inverse hyperbolic sine elementwise.
    fn asinh(&self) -> Self::Out;
    /// Inverse hyperbolic cosine elementwise.
    fn acosh(&self) -> Self::Out;
    /// Inverse hyperbolic tangent elementwise.
    fn atanh(&self) -> Self::Out;
    /// `e^x - 1` elementwise.
    fn exp_m1(&self) -> Self::Out;
    /// `ln(1 + x)` elementwise.
    fn ln_1p(&self) -> Self::Out;
    /// `max(x, b)` elementwise.
    fn max(&self, b: Self::Elem) -> Self::Out;
    /// `min(x, b)` elementwise.
    fn min(&self, b: Self::Elem) -> Self::Out;
    /// `hypot(x, b)` elementwise.
    fn hypot(&self, b: Self::Elem) -> Self::Out;
    /// `atan2(x, b)` elementwise (`x` is y).
    fn atan2(&self, b: Self::Elem) -> Self::Out;
    /// `x * a + b` elementwise.
    fn mul_add(&self, a: Self::Elem, b: Self::Elem) -> Self::Out;
}

impl<F: Float, S: Data<Elem = F>, D: Dimension> ArrayMath for ArrayBase<S, D> {
    type Elem = F;
    type Out = Array<F, D>;
    fn tanh(&self) -> Self::Out {
        self.mapv(|x| x.tanh())
    }
    fn sinh(&self) -> Self::Out {
        self.mapv(|x| x.sinh())
    }
    fn cosh(&self) -> Self::Out {
        self.mapv(|x| x.cosh())
    }
    fn asin(&self) -> Self::Out {
        self.mapv(|x| x.asin())
    }
    fn acos(&self) -> Self::Out {
        self.mapv(|x| x.acos())
    }
    fn atan(&self) -> Self::Out {
        self.mapv(|x| x.atan())
    }
    fn asinh(&self) -> Self::Out {
        self.mapv(|x| x.asinh())
    }
    fn acosh(&self) -> Self::Out {
        self.mapv(|x| x.acosh())
    }
    fn atanh(&self) -> Self::Out {
        self.mapv(|x| x.atanh())
    }
    fn exp_m1(&self) -> Self::Out {
        self.mapv(|x| x.exp_m1())
    }
    fn ln_1p(&self) -> Self::Out {
        self.mapv(|x| x.ln_1p())
    }
    fn max(&self, b: F) -> Self::Out {
        self.mapv(|x| x.max(b))
    }
    fn min(&self, b: F) -> Self::Out {
        self.mapv(|x| x.min(b))
    }
    fn hypot(&self, b: F) -> Self::Out {
        self.mapv(|x| x.hypot(b))
    }
    fn atan2(&self, b: F) -> Self::Out {
        self.mapv(|x| x.atan2(b))
    }
    fn mul_add(&self, a: F, b: F) -> Self::Out {
        self.mapv(|x| x * a + b)
    }
}
