//! Euclidean projections for constrained hyperparameters (per-example weights, a
//! budget of example weight, bounded rates): after each outer step the
//! hyperparameters are replaced by the nearest feasible point.

use super::HyperError;
use crate::tangent::Tangent;
use ndarray::Array1;
use std::ops::Range;

/// A constraint set on the flat representation of the hyperparameters.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Projection {
    /// No constraint.
    #[default]
    None,
    /// `lo ≤ x_i ≤ hi`.
    Box {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// The simplex `x_i ≥ 0, Σ x_i = total` (`total > 0`).
    Simplex {
        /// The sum.
        total: f64,
    },
    /// The budget set `lo ≤ x_i ≤ hi, Σ x_i ≤ budget` (e.g. example weights in
    /// `[0, 1]` with at most `budget` total weight).
    Budget {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
        /// Largest allowed sum.
        budget: f64,
    },
    /// Applies `projection` to the flat scalars `range` only (e.g. the per-example
    /// weights inside a larger hyperparameter struct), leaving the others free.
    On {
        /// Flat indices the constraint applies to.
        range: Range<usize>,
        /// The constraint.
        projection: Box<Projection>,
    },
}

impl Projection {
    /// The projection of `h` (through its flat representation).
    pub fn apply<H: Tangent>(&self, h: &H) -> Result<H, HyperError> {
        if *self == Projection::None {
            return Ok(h.clone());
        }
        let flat = self.apply_flat(&h.flatten())?;
        Ok(h.rebuild(&flat).expect("projection keeps the length"))
    }

    /// The projection of a flat vector.
    pub fn apply_flat(&self, v: &Array1<f64>) -> Result<Array1<f64>, HyperError> {
        match self {
            Projection::None => Ok(v.clone()),
            Projection::Box { lo, hi } => project_box(v, *lo, *hi),
            Projection::Simplex { total } => project_simplex(v, *total),
            Projection::Budget { lo, hi, budget } => project_budget(v, *lo, *hi, *budget),
            Projection::On { range, projection } => {
                if range.start > range.end || range.end > v.len() {
                    return Err(HyperError::InvalidArgument(format!(
                        "projection range {range:?} does not fit {} hyperparameters",
                        v.len()
                    )));
                }
                let part = v.slice(ndarray::s![range.clone()]).to_owned();
                let projected = projection.apply_flat(&part)?;
                let mut out = v.clone();
                out.slice_mut(ndarray::s![range.clone()]).assign(&projected);
                Ok(out)
            }
        }
    }
}

fn check_finite(v: &Array1<f64>) -> Result<(), HyperError> {
    if v.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(HyperError::NonFinite("vector to project"))
    }
}

fn check_bounds(lo: f64, hi: f64) -> Result<(), HyperError> {
    if lo.is_nan() || hi.is_nan() || lo > hi {
        return Err(HyperError::InvalidArgument(format!(
            "box bounds [{lo}, {hi}] are empty"
        )));
    }
    Ok(())
}

/// Clamps every coordinate into `[lo, hi]`.
pub fn project_box(v: &Array1<f64>, lo: f64, hi: f64) -> Result<Array1<f64>, HyperError> {
    check_bounds(lo, hi)?;
    check_finite(v)?;
    Ok(v.mapv(|x| x.clamp(lo, hi)))
}

/// Projection onto the simplex `{x ≥ 0, Σ x = total}` (sort-based, as in Held et al.
/// 1974 / Duchi et al. 2008): `x_i = max(v_i - τ, 0)` with the threshold `τ` that
/// makes the sum `total`.
pub fn project_simplex(v: &Array1<f64>, total: f64) -> Result<Array1<f64>, HyperError> {
    if !(total > 0.0 && total.is_finite()) {
        return Err(HyperError::InvalidArgument(format!(
            "simplex total must be positive and finite, got {total}"
        )));
    }
    if v.is_empty() {
        return Err(HyperError::InvalidArgument(
            "cannot project an empty vector onto a simplex".into(),
        ));
    }
    check_finite(v)?;
    let mut sorted: Vec<f64> = v.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut cumulative = 0.0;
    let mut tau = 0.0;
    for (j, &u) in sorted.iter().enumerate() {
        cumulative += u;
        let candidate = (cumulative - total) / (j + 1) as f64;
        if u - candidate > 0.0 {
            tau = candidate;
        }
    }
    Ok(v.mapv(|x| (x - tau).max(0.0)))
}

/// Projection onto `{lo ≤ x_i ≤ hi, Σ x_i ≤ budget}`: the clamped vector when its
/// sum is within the budget, otherwise `x_i = clamp(v_i - τ, lo, hi)` with the
/// `τ > 0` that makes the sum exactly `budget` (found exactly: the sum is piecewise
/// linear in `τ` with breakpoints `v_i - hi`, `v_i - lo`). Errors when `n lo > budget`
/// (empty set).
pub fn project_budget(
    v: &Array1<f64>,
    lo: f64,
    hi: f64,
    budget: f64,
) -> Result<Array1<f64>, HyperError> {
    check_bounds(lo, hi)?;
    check_finite(v)?;
    let n = v.len() as f64;
    if !budget.is_finite() || n * lo > budget {
        return Err(HyperError::InvalidArgument(format!(
            "budget {budget} is below the smallest possible sum {} of {} weights ≥ {lo}",
            n * lo,
            v.len()
        )));
    }
    let sum_at = |tau: f64| -> f64 { v.iter().map(|&x| (x - tau).clamp(lo, hi)).sum() };
    if sum_at(0.0) <= budget {
        return Ok(v.mapv(|x| x.clamp(lo, hi)));
    }
    let mut points: Vec<f64> = v
        .iter()
        .flat_map(|&x| [x - hi, x - lo])
        .filter(|&p| p > 0.0)
        .collect();
    points.push(0.0);
    points.sort_by(f64::total_cmp);
    points.dedup();
    // sum_at is non-increasing; sum_at(points[0] = 0) > budget and at the last
    // breakpoint every coordinate is at `lo`, so the sum is n lo ≤ budget.
    let (mut a, mut b) = (0, points.len() - 1);
    while b - a > 1 {
        let mid = (a + b) / 2;
        if sum_at(points[mid]) > budget {
            a = mid;
        } else {
            b = mid;
        }
    }
    let (ta, tb) = (points[a], points[b]);
    let (fa, fb) = (sum_at(ta), sum_at(tb));
    let tau = if fa == fb {
        tb
    } else {
        ta + (fa - budget) / (fa - fb) * (tb - ta)
    };
    Ok(v.mapv(|x| (x - tau).clamp(lo, hi)))
}
