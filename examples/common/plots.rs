//! Plotting shared by the schedule-learning examples (`hype_headline`, `hypertrain`):
//! a learned schedule beside the best constant rate, written as PNG files into one
//! directory. Included with `#[path = "common/plots.rs"] mod plots;` (not an example
//! of its own: Cargo only builds `examples/*.rs` and `examples/*/main.rs`).

use hype::report::{plot_curves, Curve, PlotOptions};
use std::path::Path;

/// The best constant rate as a flat line over a schedule of `steps` steps.
pub fn constant_rate(rate: f64, steps: usize) -> Curve {
    Curve::new(
        format!("best constant rate {rate}"),
        vec![(0.0, rate), ((steps - 1) as f64, rate)],
    )
}

/// Writes every `(file name, curves, options)` into `dir` (created if missing),
/// printing each file written; a failure is reported on stderr and the run goes on.
pub fn write_plots(dir: &Path, jobs: &[(&str, &[Curve], PlotOptions)]) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("no plots: cannot create {}: {e}", dir.display());
        return;
    }
    for (name, curves, options) in jobs {
        let path = dir.join(name);
        match plot_curves(&path, curves, options) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => eprintln!("no plot {}: {e}", path.display()),
        }
    }
}
