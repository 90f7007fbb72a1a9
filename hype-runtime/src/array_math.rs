//! The f64 math methods that ndarray's arrays lack, so that the same method reads the
//! same on a scalar and on an array inside `#[differentiable]` code (`z.tanh()`,
//! `z.max(0.0)`). In the prelude; ndarray's own methods (`exp`, `sin`, `ln`, ...) keep
//! precedence, being inherent.

use ndarray::{Array, ArrayBase, Data, Dimension};

/// Elementwise math on arrays of `f64` beyond ndarray's own methods.
pub trait ArrayMath {
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
    fn max(&self, b: f64) -> Self::Out;
    /// `min(x, b)` elementwise.
    fn min(&self, b: f64) -> Self::Out;
    /// `hypot(x, b)` elementwise.
    fn hypot(&self, b: f64) -> Self::Out;
    /// `atan2(x, b)` elementwise (`x` is y).
    fn atan2(&self, b: f64) -> Self::Out;
    /// `x * a + b` elementwise.
    fn mul_add(&self, a: f64, b: f64) -> Self::Out;
}

impl<S: Data<Elem = f64>, D: Dimension> ArrayMath for ArrayBase<S, D> {
    type Out = Array<f64, D>;
    fn tanh(&self) -> Self::Out {
        self.mapv(f64::tanh)
    }
    fn sinh(&self) -> Self::Out {
        self.mapv(f64::sinh)
    }
    fn cosh(&self) -> Self::Out {
        self.mapv(f64::cosh)
    }
    fn asin(&self) -> Self::Out {
        self.mapv(f64::asin)
    }
    fn acos(&self) -> Self::Out {
        self.mapv(f64::acos)
    }
    fn atan(&self) -> Self::Out {
        self.mapv(f64::atan)
    }
    fn asinh(&self) -> Self::Out {
        self.mapv(f64::asinh)
    }
    fn acosh(&self) -> Self::Out {
        self.mapv(f64::acosh)
    }
    fn atanh(&self) -> Self::Out {
        self.mapv(f64::atanh)
    }
    fn exp_m1(&self) -> Self::Out {
        self.mapv(f64::exp_m1)
    }
    fn ln_1p(&self) -> Self::Out {
        self.mapv(f64::ln_1p)
    }
    fn max(&self, b: f64) -> Self::Out {
        self.mapv(|x| x.max(b))
    }
    fn min(&self, b: f64) -> Self::Out {
        self.mapv(|x| x.min(b))
    }
    fn hypot(&self, b: f64) -> Self::Out {
        self.mapv(|x| x.hypot(b))
    }
    fn atan2(&self, b: f64) -> Self::Out {
        self.mapv(|x| x.atan2(b))
    }
    fn mul_add(&self, a: f64, b: f64) -> Self::Out {
        self.mapv(|x| x * a + b)
    }
}
