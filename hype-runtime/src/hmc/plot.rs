//! Trace plots and marginal densities as PNG (or SVG), through [`crate::report`].

use super::chains::Samples;
use crate::report::{plot_curves, Curve, PlotError, PlotOptions};
use std::path::Path;

/// The trace of coordinate `j`: one line per chain, draw number against value.
pub fn trace(
    path: impl AsRef<Path>,
    samples: &Samples,
    j: usize,
    name: &str,
) -> Result<(), PlotError> {
    let curves: Vec<Curve> = samples
        .chains
        .iter()
        .enumerate()
        .map(|(c, ch)| Curve::from_history(format!("chain {c}"), &ch.draws.column(j).to_vec()))
        .collect();
    plot_curves(
        path,
        &curves,
        &PlotOptions::default()
            .title(format!("trace of {name}"))
            .labels("draw", name),
    )
}

/// The marginal density of coordinate `j`: a histogram of all chains' draws with
/// `bins` bins (normalized to integrate to one), one line per chain, and optionally a
/// reference density `truth` drawn beside it.
pub fn marginal(
    path: impl AsRef<Path>,
    samples: &Samples,
    j: usize,
    name: &str,
    bins: usize,
    truth: Option<&dyn Fn(f64) -> f64>,
) -> Result<(), PlotError> {
    let bins = bins.max(1);
    let all: Vec<f64> = samples
        .chains
        .iter()
        .flat_map(|c| c.draws.column(j).to_vec())
        .filter(|v| v.is_finite())
        .collect();
    if all.is_empty() {
        return Err(PlotError::NoData);
    }
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = if hi > lo {
        (hi - lo) / bins as f64
    } else {
        1.0
    };
    let mut curves = Vec::new();
    for (c, ch) in samples.chains.iter().enumerate() {
        let col = ch.draws.column(j);
        let mut counts = vec![0usize; bins];
        for &v in col.iter().filter(|v| v.is_finite()) {
            let b = (((v - lo) / width) as usize).min(bins - 1);
            counts[b] += 1;
        }
        let n = col.len() as f64;
        let points = counts
            .iter()
            .enumerate()
            .map(|(b, &k)| (lo + (b as f64 + 0.5) * width, k as f64 / (n * width)))
            .collect();
        curves.push(Curve::new(format!("chain {c}"), points));
    }
    if let Some(f) = truth {
        let points = (0..=200)
            .map(|k| {
                let x = lo + (hi - lo) * k as f64 / 200.0;
                (x, f(x))
            })
            .collect();
        curves.push(Curve::new("exact", points));
    }
    plot_curves(
        path,
        &curves,
        &PlotOptions::default()
            .title(format!("marginal density of {name}"))
            .labels(name, "density"),
    )
}
