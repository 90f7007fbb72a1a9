//! Line plots of loss curves, written as PNG or SVG.
//!
//! ```no_run
//! use hype_runtime::report::{plot_curves, Curve, PlotOptions};
//! let train = Curve::from_history("training", &[2.3, 1.1, 0.7, 0.5]);
//! let valid = Curve::new("validation", vec![(0.0, 2.4), (2.0, 0.9), (3.0, 0.8)]);
//! plot_curves("loss.png", &[train, valid], &PlotOptions::default().title("MNIST")).unwrap();
//! ```

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// DejaVu Sans Mono (Bitstream Vera license, see `assets/fonts/LICENSE-DejaVu.txt`):
/// embedded so that text renders without system fonts.
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
const FAMILY: &str = "sans-serif";

fn register_embedded_font() -> Result<(), PlotError> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if register_font(FAMILY, style, FONT).is_err() {
                result = Err(PlotError::Draw("the embedded font does not parse".into()));
            }
        }
    });
    result
}

/// One named line: `(x, y)` points in order of `x`.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

impl Curve {
    /// A curve through `points`.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Curve {
            label: label.into(),
            points,
        }
    }

    /// `values[k]` plotted at `x = k` (a loss history by iteration).
    pub fn from_history(label: impl Into<String>, values: &[f64]) -> Self {
        Curve::new(
            label,
            values
                .iter()
                .enumerate()
                .map(|(k, &v)| (k as f64, v))
                .collect(),
        )
    }
}

/// Size, title, axis labels and scale of a plot.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotOptions {
    /// Pixels (PNG) or user units (SVG). Default 800 × 500.
    pub width: u32,
    pub height: u32,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Plot `log10(y)` (all `y` must be positive).
    pub log_y: bool,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            width: 800,
            height: 500,
            title: String::new(),
            x_label: "iteration".into(),
            y_label: "loss".into(),
            log_y: false,
        }
    }
}

impl PlotOptions {
    /// Sets the title.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = t.into();
        self
    }
    /// Sets both axis labels.
    pub fn labels(mut self, x: impl Into<String>, y: impl Into<String>) -> Self {
        self.x_label = x.into();
        self.y_label = y.into();
        self
    }
    /// Sets the size.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }
    /// Plots `log10(y)`.
    pub fn log_y(mut self, on: bool) -> Self {
        self.log_y = on;
        self
    }
}

/// Why a plot was not written.
#[derive(Debug, Clone, PartialEq)]
pub enum PlotError {
    /// The file name does not end in `.png` or `.svg`.
    UnknownFormat(PathBuf),
    /// No curve has a finite point.
    NoData,
    /// `log_y` with a value that is not positive.
    NonPositiveOnLogScale { curve: String, value: f64 },
    /// Width or height zero.
    EmptyCanvas { width: u32, height: u32 },
    /// The backend failed (e.g. the file could not be written).
    Draw(String),
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::UnknownFormat(p) => write!(
                f,
                "cannot tell the image format of {}: use a .png or .svg file name",
                p.display()
            ),
            PlotError::NoData => write!(f, "nothing to plot: no curve has a finite point"),
            PlotError::NonPositiveOnLogScale { curve, value } => write!(
                f,
                "curve `{curve}` has the value {value}, which a log scale cannot show"
            ),
            PlotError::EmptyCanvas { width, height } => {
                write!(f, "a {width} × {height} plot has no area")
            }
            PlotError::Draw(e) => write!(f, "plotting failed: {e}"),
        }
    }
}

impl std::error::Error for PlotError {}

enum Format {
    Png,
    Svg,
}

/// Draws `curves` (one colour each, with a legend) into `path`: PNG for `.png`, SVG for
/// `.svg` (case-insensitive). Non-finite points are left out (a diverged run still
/// plots up to the divergence).
pub fn plot_curves(
    path: impl AsRef<Path>,
    curves: &[Curve],
    options: &PlotOptions,
) -> Result<(), PlotError> {
    let path = path.as_ref();
    let format = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => Format::Png,
        Some("svg") => Format::Svg,
        _ => return Err(PlotError::UnknownFormat(path.to_path_buf())),
    };
    if options.width == 0 || options.height == 0 {
        return Err(PlotError::EmptyCanvas {
            width: options.width,
            height: options.height,
        });
    }
    let curves = prepared(curves, options.log_y)?;
    register_embedded_font()?;
    let size = (options.width, options.height);
    match format {
        Format::Png => draw(
            BitMapBackend::new(path, size).into_drawing_area(),
            &curves,
            options,
        ),
        Format::Svg => draw(
            SVGBackend::new(path, size).into_drawing_area(),
            &curves,
            options,
        ),
    }
}

/// The finite points of each curve, on the chosen scale.
fn prepared(curves: &[Curve], log_y: bool) -> Result<Vec<Curve>, PlotError> {
    let mut out = Vec::with_capacity(curves.len());
    for c in curves {
        let mut points = Vec::with_capacity(c.points.len());
        for &(x, y) in &c.points {
            if !x.is_finite() || !y.is_finite() {
                continue;
            }
            if log_y {
                if y <= 0.0 {
                    return Err(PlotError::NonPositiveOnLogScale {
                        curve: c.label.clone(),
                        value: y,
                    });
                }
                points.push((x, y.log10()));
            } else {
                points.push((x, y));
            }
        }
        out.push(Curve::new(c.label.clone(), points));
    }
    if out.iter().all(|c| c.points.is_empty()) {
        return Err(PlotError::NoData);
    }
    Ok(out)
}

/// `[lo, hi]` of the values, widened when it is a single point, with a 5% margin.
fn range(values: impl Iterator<Item = f64>, margin: bool) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if hi <= lo {
        let pad = if lo == 0.0 { 1.0 } else { 0.5 * lo.abs() };
        return (lo - pad, hi + pad);
    }
    let pad = if margin { 0.05 * (hi - lo) } else { 0.0 };
    (lo - pad, hi + pad)
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    curves: &[Curve],
    options: &PlotOptions,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| PlotError::Draw(e.to_string());
    root.fill(&WHITE).map_err(err)?;
    let all = || curves.iter().flat_map(|c| c.points.iter());
    let (x0, x1) = range(all().map(|p| p.0), false);
    let (y0, y1) = range(all().map(|p| p.1), true);
    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70);
    if !options.title.is_empty() {
        builder.caption(&options.title, (FAMILY, 22));
    }
    let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
    let y_desc = if options.log_y {
        format!("log10 {}", options.y_label)
    } else {
        options.y_label.clone()
    };
    chart
        .configure_mesh()
        .x_desc(options.x_label.as_str())
        .y_desc(y_desc)
        .label_style((FAMILY, 14))
        .draw()
        .map_err(err)?;
    for (k, c) in curves.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                c.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(c.label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// What the examples do with a plot: draws `curves` into `<target>/<dir>/<file>`, where
/// `<target>` is `CARGO_TARGET_DIR` or else `<manifest_dir>/target` (pass
/// `env!("CARGO_MANIFEST_DIR")`), creating the folder, and prints `wrote PATH` (or
/// `no plot: ERROR` on stderr). Returns the path when the plot was written.
pub fn plot_in_target(
    manifest_dir: &str,
    dir: &str,
    file: &str,
    curves: &[Curve],
    options: &PlotOptions,
) -> Option<std::path::PathBuf> {
    let target =
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| format!("{manifest_dir}/target"));
    let dir = Path::new(&target).join(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("no plot: {}: {e}", dir.display());
        return None;
    }
    let path = dir.join(file);
    match plot_curves(&path, curves, options) {
        Ok(()) => {
            println!("wrote {}", path.display());
            Some(path)
        }
        Err(e) => {
            eprintln!("no plot: {e}");
            None
        }
    }
}
