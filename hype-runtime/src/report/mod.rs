//! Reporting: progress bars on long work and plots of loss curves.
//!
//! * [`Progress`] — an `indicatif` progress bar on stderr that draws nothing when
//!   stderr is not a terminal (pipes, files, CI logs, `cargo test` output captured by a
//!   parent), when the caller asks for quiet, or when the environment variable
//!   `HYPE_QUIET` is set (to anything). [`train`](crate::optim::train) shows one unless
//!   [`TrainParams::progress`](crate::optim::TrainParams::progress) is `false`.
//! * [`plot`] — line plots of loss curves (training, validation, learned schedules)
//!   written as PNG or SVG by `plotters`, chosen by the file extension. Text (title,
//!   axis labels, tick labels, legend) is drawn with an embedded font (DejaVu Sans Mono,
//!   under the Bitstream Vera license, `hype-runtime/assets/fonts/LICENSE-DejaVu.txt`),
//!   so that plotting needs no system fonts.

pub mod plot;
mod progress;

pub use plot::{plot_curves, plot_in_target, Curve, PlotError, PlotOptions};
pub use progress::{progress_visible, Progress};
