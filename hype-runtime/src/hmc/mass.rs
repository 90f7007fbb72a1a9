//! The mass matrix `M` of the kinetic energy `K(p) = ½ pᵀ M⁻¹ p`: diagonal or dense.
//!
//! The sampler stores the inverse `M⁻¹` (the posterior covariance is its best value, and
//! that is what the windowed adaptation estimates) and, when dense, its Cholesky factor
//! `M⁻¹ = L Lᵀ`, with which momenta `p ~ N(0, M)` are drawn as `p = L⁻ᵀ z`.

use super::error::HmcError;
use super::rng::SamplerRng;
use ndarray::{Array1, Array2};

/// A diagonal or dense mass matrix, kept as its inverse.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// `M⁻¹ = diag(inv)`.
    Diagonal { inv: Array1<f64> },
    /// `M⁻¹ = inv = chol · cholᵀ` (`chol` lower triangular).
    Dense { inv: Array2<f64>, chol: Array2<f64> },
}

/// Which kind of mass matrix the warm-up adapts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A diagonal matrix (Stan's and blackjax's default).
    Diagonal,
    /// A dense matrix.
    Dense,
}

impl Metric {
    /// The identity `M = I` in `dim` dimensions.
    pub fn identity(dim: usize) -> Self {
        Metric::Diagonal {
            inv: Array1::ones(dim),
        }
    }

    /// `M⁻¹ = diag(inv)`; every entry must be positive and finite.
    pub fn inverse_diagonal(inv: Array1<f64>) -> Result<Self, HmcError> {
        if let Some(i) = inv.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(HmcError::NotPositiveDefinite {
                what: "diagonal inverse mass matrix",
                detail: format!("entry {i} is {}", inv[i]),
            });
        }
        Ok(Metric::Diagonal { inv })
    }

    /// `M = diag(mass)`; every entry must be positive and finite.
    pub fn mass_diagonal(mass: Array1<f64>) -> Result<Self, HmcError> {
        if let Some(i) = mass.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(HmcError::NotPositiveDefinite {
                what: "diagonal mass matrix",
                detail: format!("entry {i} is {}", mass[i]),
            });
        }
        Ok(Metric::Diagonal {
            inv: mass.mapv(|m| 1.0 / m),
        })
    }

    /// A dense `M⁻¹`: symmetric positive definite (checked by its Cholesky factorization).
    pub fn inverse_dense(inv: Array2<f64>) -> Result<Self, HmcError> {
        let chol = cholesky(&inv, "dense inverse mass matrix")?;
        Ok(Metric::Dense { inv, chol })
    }

    /// A dense `M`: symmetric positive definite; its inverse is computed here.
    pub fn mass_dense(mass: Array2<f64>) -> Result<Self, HmcError> {
        let l = cholesky(&mass, "dense mass matrix")?;
        // M⁻¹ = L⁻ᵀ L⁻¹: invert the triangular factor column by column.
        let n = l.nrows();
        let mut linv = Array2::<f64>::zeros((n, n));
        for j in 0..n {
            let mut e = Array1::<f64>::zeros(n);
            e[j] = 1.0;
            let col = forward_solve(&l, &e);
            linv.column_mut(j).assign(&col);
        }
        let inv = linv.t().dot(&linv);
        Metric::inverse_dense(inv)
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        match self {
            Metric::Diagonal { inv } => inv.len(),
            Metric::Dense { inv, .. } => inv.nrows(),
        }
    }

    /// `M⁻¹ p`, the velocity of momentum `p`.
    pub fn velocity(&self, p: &Array1<f64>) -> Array1<f64> {
        match self {
            Metric::Diagonal { inv } => inv * p,
            Metric::Dense { inv, .. } => inv.dot(p),
        }
    }

    /// The kinetic energy `½ pᵀ M⁻¹ p`.
    pub fn kinetic(&self, p: &Array1<f64>) -> f64 {
        0.5 * p.dot(&self.velocity(p))
    }

    /// A momentum `p ~ N(0, M)`.
    pub fn sample_momentum(&self, rng: &mut SamplerRng) -> Array1<f64> {
        let z = rng.normals(self.dim());
        match self {
            Metric::Diagonal { inv } => z / inv.mapv(f64::sqrt),
            Metric::Dense { chol, .. } => backward_solve_transposed(chol, &z),
        }
    }

    /// The diagonal of `M⁻¹`.
    pub fn inverse_diagonal_entries(&self) -> Array1<f64> {
        match self {
            Metric::Diagonal { inv } => inv.clone(),
            Metric::Dense { inv, .. } => inv.diag().to_owned(),
        }
    }
}

/// The lower Cholesky factor of a symmetric positive definite `a`, or an error naming
/// `what` and the failure (not square, not symmetric, a pivot that is not positive).
pub fn cholesky(a: &Array2<f64>, what: &'static str) -> Result<Array2<f64>, HmcError> {
    let (n, m) = a.dim();
    if n != m {
        return Err(HmcError::NotPositiveDefinite {
            what,
            detail: format!("it is {n} × {m}, not square"),
        });
    }
    let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    for i in 0..n {
        for j in 0..i {
            let (x, y) = (a[[i, j]], a[[j, i]]);
            if !(x.is_finite() && y.is_finite()) || (x - y).abs() > 1e-10 * scale {
                return Err(HmcError::NotPositiveDefinite {
                    what,
                    detail: format!("entries ({i}, {j}) = {x} and ({j}, {i}) = {y} differ"),
                });
            }
        }
    }
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        if !(d.is_finite() && d > 0.0) {
            return Err(HmcError::NotPositiveDefinite {
                what,
                detail: format!("Cholesky pivot {j} is {d}"),
            });
        }
        let djj = d.sqrt();
        l[[j, j]] = djj;
        for i in j + 1..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / djj;
        }
    }
    Ok(l)
}

/// Solves `L x = b` for lower triangular `L`.
fn forward_solve(l: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let n = b.len();
    let mut x = Array1::<f64>::zeros(n);
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[[i, k]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
    x
}

/// Solves `Lᵀ x = b` for lower triangular `L`.
fn backward_solve_transposed(l: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let n = b.len();
    let mut x = Array1::<f64>::zeros(n);
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[[k, i]] * x[k];
        }
        x[i] = s / l[[i, i]];
    }
    x
}
