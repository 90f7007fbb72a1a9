//! Progress bars that stay silent when nobody is watching.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Whether a progress bar that the caller `requested` is drawn: only on a terminal
/// stderr, and not when the environment variable `HYPE_QUIET` is set.
pub fn progress_visible(requested: bool) -> bool {
    requested && std::env::var_os("HYPE_QUIET").is_none() && std::io::stderr().is_terminal()
}

/// A progress bar over a known number of steps, drawn on stderr (at most 10 times a
/// second) or not at all (see [`progress_visible`]).
///
/// ```
/// use hype_runtime::report::Progress;
/// let p = Progress::new(100, "work", false); // asked to be quiet: draws nothing
/// assert!(p.is_hidden());
/// for _ in 0..100 {
///     p.inc(1);
/// }
/// p.finish();
/// ```
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `len` steps labelled `label`, drawn when [`progress_visible`]`(requested)`.
    pub fn new(len: u64, label: &str, requested: bool) -> Self {
        let target = if progress_visible(requested) {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(len), target);
        let style = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta}) {msg}",
        )
        .expect("a valid template");
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        Progress { bar }
    }

    /// Whether the bar draws nothing.
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Advances by `n` steps.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// The position (steps done).
    pub fn position(&self) -> u64 {
        self.bar.position()
    }

    /// The text after the bar (e.g. the current loss).
    pub fn set_message(&self, msg: impl Into<String>) {
        self.bar.set_message(msg.into());
    }

    /// Prints a line to stdout without tearing the bar (hidden or not).
    pub fn println(&self, line: impl AsRef<str>) {
        self.bar.suspend(|| println!("{}", line.as_ref()));
    }

    /// Leaves the bar drawn at its final state.
    pub fn finish(&self) {
        self.bar.finish();
    }
}
