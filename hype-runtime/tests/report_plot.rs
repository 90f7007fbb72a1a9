//! Loss-curve plots: the files are written, PNGs are PNGs of the asked size, SVGs hold
//! the lines as polylines.

use hype_runtime::report::{plot_curves, Curve, PlotError, PlotOptions};
use std::path::PathBuf;

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hype-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn curves() -> Vec<Curve> {
    let train: Vec<f64> = (0..50)
        .map(|k| 2.0 * (-0.1 * k as f64).exp() + 0.1)
        .collect();
    let valid = Curve::new(
        "validation",
        (0..5)
            .map(|k| (10.0 * k as f64, 2.2 * (-(k as f64)).exp() + 0.2))
            .collect(),
    );
    vec![Curve::from_history("training", &train), valid]
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

#[test]
fn png_has_the_signature_and_the_asked_dimensions() {
    let path = out("loss.png");
    let opts = PlotOptions::default().title("loss").size(640, 360);
    plot_curves(&path, &curves(), &opts).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // The first chunk is IHDR: length 13, then width and height (big-endian).
    assert_eq!(be_u32(&bytes[8..12]), 13);
    assert_eq!(&bytes[12..16], b"IHDR");
    assert_eq!((be_u32(&bytes[16..20]), be_u32(&bytes[20..24])), (640, 360));
    assert_eq!(&bytes[bytes.len() - 8..bytes.len() - 4], b"IEND");
    // Not a blank image: many pixels, compressed to far less than raw RGB.
    assert!(bytes.len() > 2_000 && bytes.len() < 640 * 360 * 3);
}

#[test]
fn svg_holds_one_polyline_per_curve_with_its_points_and_the_text() {
    let path = out("loss.svg");
    let opts = PlotOptions::default()
        .title("my title")
        .labels("epoch", "cross-entropy");
    plot_curves(&path, &curves(), &opts).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..50.min(svg.len())]);
    assert!(svg.contains("width=\"800\"") && svg.contains("height=\"500\""));
    let points: Vec<usize> = svg
        .split("<polyline")
        .skip(1)
        .map(|p| {
            let start = p.find("points=\"").expect("points") + 8;
            let end = start + p[start..].find('"').unwrap();
            p[start..end].split_whitespace().count()
        })
        .collect();
    // The two data curves (50 and 5 points) and two legend samples (2 points each).
    assert!(points.contains(&50), "{points:?}");
    assert!(points.contains(&5), "{points:?}");
    for text in [
        "my title",
        "epoch",
        "cross-entropy",
        "training",
        "validation",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
}

#[test]
fn log_scale_and_bad_input() {
    let path = out("log.svg");
    plot_curves(&path, &curves(), &PlotOptions::default().log_y(true)).unwrap();
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("log10 loss"));

    let neg = [Curve::from_history("bad", &[1.0, 0.0])];
    assert_eq!(
        plot_curves(out("x.svg"), &neg, &PlotOptions::default().log_y(true)),
        Err(PlotError::NonPositiveOnLogScale {
            curve: "bad".into(),
            value: 0.0
        })
    );
    let e = plot_curves(out("x.jpg"), &curves(), &PlotOptions::default()).unwrap_err();
    assert!(e.to_string().contains("x.jpg"), "{e}");
    let nan = [Curve::from_history("nan", &[f64::NAN])];
    assert_eq!(
        plot_curves(out("y.svg"), &nan, &PlotOptions::default()),
        Err(PlotError::NoData)
    );
    assert!(matches!(
        plot_curves(out("z.png"), &curves(), &PlotOptions::default().size(0, 10)),
        Err(PlotError::EmptyCanvas { .. })
    ));
    // A diverged run plots up to the divergence.
    let diverged = [Curve::from_history(
        "d",
        &[3.0, 2.0, f64::INFINITY, f64::NAN],
    )];
    plot_curves(out("d.svg"), &diverged, &PlotOptions::default()).unwrap();
}
