//! L1 and L2 regularization of a whole parameter value (Hype's `Regularization`).
//!
//! Inside differentiable code, penalize chosen arrays with [`ops::l1`](crate::ops::l1)
//! and [`ops::l2`](crate::ops::l2) (e.g. the weights but not the biases). For a penalty
//! on every parameter of a model, [`Regularization`] works on any
//! [`Tangent`] value through its flat vector, and [`regularized`] adds it to a training
//! loss closure.

use crate::tangent::Tangent;
use ndarray::ArrayView2;

/// A penalty on all parameters `θ`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Regularization {
    /// No penalty. Hype's default.
    #[default]
    NoReg,
    /// `λ Σ |θ_i|` (subgradient `λ sign(θ)`, with `sign(0) = 0`).
    L1(f64),
    /// `λ Σ θ_i²` (gradient `2 λ θ`).
    L2(f64),
}

impl Regularization {
    /// Hype's `DefaultL1Reg`: `L1(1e-4)`.
    pub fn default_l1() -> Self {
        Regularization::L1(1e-4)
    }
    /// Hype's `DefaultL2Reg`: `L2(1e-4)`.
    pub fn default_l2() -> Self {
        Regularization::L2(1e-4)
    }

    /// The penalty of `m`.
    pub fn value<M: Tangent>(&self, m: &M) -> f64 {
        match *self {
            Regularization::NoReg => 0.0,
            Regularization::L1(l) => l * m.flatten().iter().map(|v| v.abs()).sum::<f64>(),
            Regularization::L2(l) => l * m.inner(m),
        }
    }

    /// The penalty of `m` and its gradient (shaped like `m`).
    pub fn value_and_grad<M: Tangent>(&self, m: &M) -> (f64, M) {
        match *self {
            Regularization::NoReg => (0.0, m.zero_like()),
            Regularization::L1(l) => {
                let flat = m.flatten();
                let g = flat.mapv(|v| {
                    if v > 0.0 {
                        l
                    } else if v < 0.0 {
                        -l
                    } else {
                        0.0
                    }
                });
                let grad = m
                    .rebuild(&g)
                    .expect("a flat vector keeps the length of its value");
                (l * flat.iter().map(|v| v.abs()).sum::<f64>(), grad)
            }
            Regularization::L2(l) => {
                let mut g = m.clone();
                g.scale(2.0 * l);
                (l * m.inner(m), g)
            }
        }
    }

    /// The Hessian-vector product of the penalty at `m` along `v`: `2 λ v` for L2;
    /// zero for L1 (piecewise linear: its Hessian is zero wherever it exists) and none.
    pub fn hvp<M: Tangent>(&self, m: &M, v: &M) -> M {
        match *self {
            Regularization::L2(l) => {
                let mut h = v.clone();
                h.scale(2.0 * l);
                h
            }
            Regularization::NoReg | Regularization::L1(_) => m.zero_like(),
        }
    }
}

/// The training loss closure `loss` plus the penalty `reg` of the parameters.
pub fn regularized<M, L>(
    loss: L,
    reg: Regularization,
) -> impl Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M)
where
    M: Tangent,
    L: Fn(&M, ArrayView2<f64>, ArrayView2<f64>) -> (f64, M),
{
    move |m, x, y| {
        let (l, mut g) = loss(m, x, y);
        if reg == Regularization::NoReg {
            return (l, g);
        }
        let (r, gr) = reg.value_and_grad(m);
        g.add_assign_tangent(&gr);
        (l + r, g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Each penalty's gradient and Hessian-vector product against central differences
    /// (away from the kinks of L1).
    #[test]
    fn gradient_and_hvp_match_finite_differences() {
        let m = (array![0.7, -1.2, 0.4], 0.9);
        let v = (array![0.3, 0.5, -1.0], -0.6);
        let h = 1e-6;
        let step = |t: f64| {
            let mut p = m.clone();
            p.axpy(t, &v);
            p
        };
        for reg in [
            Regularization::NoReg,
            Regularization::L1(0.3),
            Regularization::L2(0.3),
        ] {
            let (_, g) = reg.value_and_grad(&m);
            let fd = (reg.value(&step(h)) - reg.value(&step(-h))) / (2.0 * h);
            assert!((g.inner(&v) - fd).abs() < 1e-8, "{reg:?}: gradient");
            let hv = reg.hvp(&m, &v);
            let (_, gp) = reg.value_and_grad(&step(h));
            let (_, gm) = reg.value_and_grad(&step(-h));
            let mut fd_hv = gp;
            fd_hv.axpy(-1.0, &gm);
            fd_hv.scale(1.0 / (2.0 * h));
            let mut diff = hv.clone();
            diff.axpy(-1.0, &fd_hv);
            assert!(diff.inner(&diff).sqrt() < 1e-7, "{reg:?}: hvp");
        }
    }
}
