//! The backprop seed's comparison on the 784-300-100-10 tanh network, batch 100, f64:
//! the generated gradient (a `model!` struct, `value_and_grad!`) against a
//! hand-written backward pass with the same BLAS and the same vectorized `tanh`
//! (`ops::tanh`, `hype::kernels`), and the annotated primal against the same forward
//! pass written by hand. The group `..._f32` times the same network in f32 (a
//! `model!` struct in f32): gradient, Hessian-vector product, forward.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hype::nn::Init;
use hype::prelude::*;

hype::model! {
    pub struct Mlp = Linear<784, 300> -> Tanh -> Linear<300, 100> -> Tanh -> Linear<100, 10>;
}

hype::model! {
    /// The same network in f32.
    pub struct Mlp32<f32> = Linear<784, 300> -> Tanh -> Linear<300, 100> -> Tanh -> Linear<100, 10>;
}

#[differentiable(order = 2)]
fn loss32(m: &Mlp32, #[constant] x: &Array2<f32>, #[constant] y: &Array2<f32>) -> f32 {
    let logits = m.forward(x);
    ops::cross_entropy_on_linear(&logits, y)
}

#[differentiable(order = 2)]
fn loss(m: &Mlp, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let logits = m.forward(x);
    ops::cross_entropy_on_linear(&logits, y)
}

/// Softmax cross-entropy and its gradient with respect to the logits, by hand.
fn xent(z: &Array2<f64>, y: &Array2<f64>) -> (f64, Array2<f64>) {
    let n = z.nrows() as f64;
    let mut p = z.clone();
    let mut total = 0.0;
    for (mut row, yrow) in p.rows_mut().into_iter().zip(y.rows()) {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        let lse = m + s.ln();
        row.mapv_inplace(|v| v / s);
        // -sum y (z - lse) = sum(y) lse - sum(y z): recomputed from p below.
        total += yrow
            .iter()
            .zip(row.iter())
            .map(|(&yi, &pi)| -yi * (pi.ln()))
            .sum::<f64>();
        let _ = lse;
    }
    let g = (&p * &y.sum_axis(Axis(1)).insert_axis(Axis(1)) - y) / n;
    (total / n, g)
}

/// Forward and backward pass of the same network, written by hand.
fn hand_grad(m: &Mlp, x: &Array2<f64>, y: &Array2<f64>) -> (f64, Mlp) {
    let h1 = ops::tanh(&(x.dot(&m.l0.w) + &m.l0.b));
    let h2 = ops::tanh(&(h1.dot(&m.l1.w) + &m.l1.b));
    let z = h2.dot(&m.l2.w) + &m.l2.b;
    let (l, gz) = xent(&z, y);
    let mut g = m.zero_like();
    g.l2.w = h2.t().dot(&gz);
    g.l2.b = gz.sum_axis(Axis(0));
    let gh2 = gz.dot(&m.l2.w.t()) * &h2.mapv(|t| 1.0 - t * t);
    g.l1.w = h1.t().dot(&gh2);
    g.l1.b = gh2.sum_axis(Axis(0));
    let gh1 = gh2.dot(&m.l1.w.t()) * &h1.mapv(|t| 1.0 - t * t);
    g.l0.w = x.t().dot(&gh1);
    g.l0.b = gh1.sum_axis(Axis(0));
    (l, g)
}

fn hand_forward(m: &Mlp, x: &Array2<f64>) -> Array2<f64> {
    let h1 = ops::tanh(&(x.dot(&m.l0.w) + &m.l0.b));
    let h2 = ops::tanh(&(h1.dot(&m.l1.w) + &m.l1.b));
    h2.dot(&m.l2.w) + &m.l2.b
}

fn bench(c: &mut Criterion) {
    // One BLAS thread and freed buffers kept for reuse, as the examples run
    // (`HYPE_UNTUNED=1` measures the platform defaults).
    if std::env::var_os("HYPE_UNTUNED").is_none() {
        hype::tune::for_small_arrays();
    }
    let m = Mlp::new(Init::Glorot, 1);
    let x = Array2::from_shape_fn((100, 784), |(i, j)| ((i * 784 + j) % 97) as f64 / 97.0);
    let y = Array2::from_shape_fn((100, 10), |(i, j)| if i % 10 == j { 1.0 } else { 0.0 });
    // The two gradients agree before anything is timed.
    let (lg, gg) = value_and_grad!(loss)(&m, &x, &y);
    let (lh, gh) = hand_grad(&m, &x, &y);
    assert!(
        (lg - lh).abs() < 1e-9 * lh.abs().max(1.0),
        "loss {lg} vs {lh}"
    );
    let diff = (&gg.flatten() - &gh.flatten())
        .iter()
        .fold(0.0f64, |a, b| a.max(b.abs()));
    assert!(diff < 1e-9, "gradients differ by {diff}");

    let mut group = c.benchmark_group("mlp_784_300_100_10_batch100");
    group.sample_size(30);
    group.bench_function("grad_generated", |b| {
        b.iter(|| value_and_grad!(loss)(black_box(&m), black_box(&x), black_box(&y)))
    });
    group.bench_function("grad_by_hand", |b| {
        b.iter(|| hand_grad(black_box(&m), black_box(&x), black_box(&y)))
    });
    // Hessian-vector product (reverse over forward, no Hessian formed), against the
    // gradient: the target is at most 3x.
    let v = gg.clone();
    group.bench_function("hvp_generated", |b| {
        b.iter(|| hvp!(loss)(black_box(&m), black_box(&x), black_box(&y), black_box(&v)))
    });
    group.bench_function("forward_annotated", |b| {
        b.iter(|| black_box(&m).forward(black_box(&x)))
    });
    group.bench_function("forward_by_hand", |b| {
        b.iter(|| hand_forward(black_box(&m), black_box(&x)))
    });
    group.finish();
}

fn bench_f32(c: &mut Criterion) {
    if std::env::var_os("HYPE_UNTUNED").is_none() {
        hype::tune::for_small_arrays();
    }
    let m64 = Mlp::new(Init::Glorot, 1);
    let m = Mlp32::new(Init::Glorot, 1);
    let x64 = Array2::from_shape_fn((100, 784), |(i, j)| ((i * 784 + j) % 97) as f64 / 97.0);
    let y64 = Array2::from_shape_fn((100, 10), |(i, j)| if i % 10 == j { 1.0 } else { 0.0 });
    let (x, y) = (x64.mapv(|v| v as f32), y64.mapv(|v| v as f32));
    // The f32 gradient agrees with the f64 one (same draws, rounded) before timing.
    let (l64, g64) = value_and_grad!(loss)(&m64, &x64, &y64);
    let (l32, g32) = value_and_grad!(loss32)(&m, &x, &y);
    assert!(
        (l32 as f64 - l64).abs() < 1e-5 * l64.abs().max(1.0),
        "loss f32 {l32} vs f64 {l64}"
    );
    let (a, b) = (g32.flatten(), g64.flatten());
    let scale = b.iter().fold(1e-3f64, |s, v| s.max(v.abs()));
    let diff = (&a - &b).iter().fold(0.0f64, |s, v| s.max(v.abs()));
    assert!(
        diff < 1e-4 * scale,
        "f32 gradient differs from f64 by {diff} (scale {scale})"
    );

    let mut group = c.benchmark_group("mlp_784_300_100_10_batch100_f32");
    group.sample_size(30);
    group.bench_function("grad_generated_f32", |b| {
        b.iter(|| value_and_grad!(loss32)(black_box(&m), black_box(&x), black_box(&y)))
    });
    let v = g32.clone();
    group.bench_function("hvp_generated_f32", |b| {
        b.iter(|| hvp!(loss32)(black_box(&m), black_box(&x), black_box(&y), black_box(&v)))
    });
    group.bench_function("forward_annotated_f32", |b| {
        b.iter(|| black_box(&m).forward(black_box(&x)))
    });
    group.finish();
    if timing_run("mlp_784_300_100_10_batch100_f32/grad_generated_f32") {
        let figures = [
            (
                "grad_generated",
                per_call(100, || value_and_grad!(loss32)(&m, &x, &y)),
            ),
            (
                "hvp_generated",
                per_call(100, || hvp!(loss32)(&m, &x, &y, &v)),
            ),
            ("forward_annotated", per_call(100, || m.forward(&x))),
        ];
        write_per_call("mlp_per_call_f32", &figures);
    }
}

/// Median and minimum seconds of `repeat` single calls after 5 warm-up calls: the
/// method of `benches/compare/compare.py` for JAX and PyTorch. On a loaded, shared core
/// a criterion sample (the mean of many back-to-back calls) always includes the time
/// the process was preempted, while a median of single calls mostly does not; these
/// figures compare with the frameworks' on equal terms.
fn per_call<R>(repeat: usize, mut f: impl FnMut() -> R) -> (f64, f64) {
    for _ in 0..5 {
        black_box(f());
    }
    let mut times: Vec<f64> = (0..repeat)
        .map(|_| {
            let t = std::time::Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[repeat / 2], times[0])
}

/// Writes the per-call figures to `$CARGO_TARGET_DIR/criterion/NAME.json` (where
/// compare.py reads them) and prints them; skipped when criterion only tests or lists.
fn write_per_call(name: &str, figures: &[(&str, (f64, f64))]) {
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()),
    )
    .join("criterion");
    let body: Vec<String> = figures
        .iter()
        .map(|(k, (med, min))| format!("\"{k}\": [{med:e}, {min:e}]"))
        .collect();
    for (k, (med, min)) in figures {
        println!(
            "{name}/{k}: per call (100 calls) median {:.3} ms, min {:.3} ms",
            med * 1e3,
            min * 1e3
        );
    }
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(
            dir.join(format!("{name}.json")),
            format!("{{{}}}\n", body.join(", ")),
        );
    }
}

/// Whether criterion runs the benchmarks for real (not `--test`, `--list`,
/// `--profile-time`) and the filter, if any, selects `group`.
fn timing_run(group: &str) -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quiet = ["--test", "--list", "--profile-time"];
    if args.iter().any(|a| quiet.contains(&a.as_str())) {
        return false;
    }
    let mut filter = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a.starts_with("--") {
            // Options that take a value.
            if !a.contains('=') && a != "--bench" && a != "--verbose" && a != "--quiet" {
                it.next();
            }
        } else {
            filter = Some(a.as_str());
        }
    }
    filter.is_none_or(|f| group.contains(f))
}

criterion_group!(benches, bench, bench_f32);
criterion_main!(benches);
