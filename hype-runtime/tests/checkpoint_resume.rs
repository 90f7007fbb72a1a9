//! Checkpoints: `train` and the outer loop resumed from a checkpoint end bit-identical
//! to uninterrupted runs (also after SIGKILL of a child process), and a process killed
//! while writing leaves the previous checkpoint loadable.

extern crate hype_runtime as hype;

use hype::checkpoint::{file, load_model, save_model, CheckpointPolicy, Record};
use hype::data::Dataset;
use hype::differentiable;
use hype::hyper::HyperError;
use hype::hyper::{optimize, optimize_checkpointed, OuterMethod, OuterParams, Projection};
use hype::nn::{Init, Linear};
use hype::ops;
use hype::optim::{
    train, train_validated, AdamParams, LearningRate, Momentum, TrainParams, TrainResult,
};
use hype_macros::value_and_grad;
use ndarray::{array, Array1, Array2, ArrayView2};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[differentiable]
fn mse_loss(m: &Linear<3, 2>, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::mse(&m.forward(x), y)
}

fn mse_vg(m: &Linear<3, 2>, x: ArrayView2<f64>, y: ArrayView2<f64>) -> (f64, Linear<3, 2>) {
    value_and_grad!(mse_loss)(m, &x.to_owned(), &y.to_owned())
}

fn data(n: usize, offset: usize) -> Dataset {
    let x = Array2::from_shape_fn((n, 3), |(i, j)| {
        (0.37 * ((j + 1) * (j + 1)) as f64 * (i + offset) as f64 + j as f64).sin()
    });
    let w = array![[1.0, 0.2], [-2.0, 0.7], [0.5, -1.1]];
    let y = x.dot(&w)
        + 0.3
        + x.mapv(|v| 0.1 * (7.0 * v).cos())
            .column(0)
            .insert_axis(ndarray::Axis(1));
    Dataset::new(x, y).unwrap()
}

fn model() -> Linear<3, 2> {
    Linear::new(Init::Uniform(0.5), 7)
}

fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "hype-ckpt-{}-{name}.safetensors",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&p);
    p
}

/// Adam with momentum, shuffled minibatches, return-best on a validation set: every
/// piece of state a checkpoint must carry.
fn params() -> TrainParams {
    TrainParams::minibatch(7)
        .epochs(6)
        .learning_rate(LearningRate::Adam(AdamParams {
            lr: 0.05,
            ..AdamParams::default()
        }))
        .shuffle(11)
        .progress(false)
        .optim(
            TrainParams::default()
                .optim
                .momentum(Momentum::Nesterov(0.5))
                .learning_rate(LearningRate::Adam(AdamParams {
                    lr: 0.05,
                    ..AdamParams::default()
                }))
                .epochs(6)
                .validation_interval(3),
        )
}

fn same(a: &(Linear<3, 2>, TrainResult), b: &(Linear<3, 2>, TrainResult)) {
    assert_eq!(a.0.w, b.0.w, "weights differ");
    assert_eq!(a.0.b, b.0.b, "biases differ");
    assert_eq!(a.1, b.1, "results differ");
}

fn uninterrupted(train_set: &Dataset, val: &Dataset) -> (Linear<3, 2>, TrainResult) {
    let mut m = model();
    let r = train_validated(&mut m, train_set, val, &params(), mse_vg).unwrap();
    (m, r)
}

#[test]
fn train_resumed_after_a_crash_is_bit_identical() {
    let (train_set, val) = (data(40, 0), data(10, 100));
    let reference = uninterrupted(&train_set, &val);
    assert_eq!(reference.1.iterations, 6 * 6);
    let path = tmp("train");
    let p = params().checkpoint(&path, 5);
    // The run dies (a panic) in the loss at call 23 (iterations and validation checks).
    let calls = AtomicUsize::new(0);
    let dying = |m: &Linear<3, 2>, x: ArrayView2<f64>, y: ArrayView2<f64>| {
        if calls.fetch_add(1, Ordering::SeqCst) == 23 {
            panic!("simulated crash");
        }
        mse_vg(m, x, y)
    };
    let mut m = model();
    let crashed = catch_unwind(AssertUnwindSafe(|| {
        train_validated(&mut m, &train_set, &val, &p, dying)
    }));
    assert!(crashed.is_err());
    let saved = file::load(&path).unwrap().reader();
    let t = saved.meta_usize("t").unwrap();
    assert!(t > 0 && t % 5 == 0 && t < 36, "checkpoint at t = {t}");
    let mut m = model();
    let r = train_validated(&mut m, &train_set, &val, &p, mse_vg).unwrap();
    same(&(m, r), &reference);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn train_checkpoint_of_a_finished_run_resumes_to_the_same_result() {
    let d = data(30, 3);
    let path = tmp("finished");
    let p = TrainParams::minibatch(4)
        .epochs(3)
        .learning_rate(LearningRate::Constant(0.1))
        .progress(false)
        .checkpoint(&path, 1);
    let (mut a, mut b) = (model(), model());
    let ra = train(&mut a, &d, &p, mse_vg).unwrap();
    let rb = train(&mut b, &d, &p, mse_vg).unwrap();
    same(&(a, ra), &(b, rb));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn train_refuses_a_checkpoint_of_another_configuration() {
    let d = data(30, 3);
    let path = tmp("config");
    let p = TrainParams::minibatch(4)
        .epochs(1)
        .learning_rate(LearningRate::Constant(0.1))
        .progress(false)
        .checkpoint(&path, 2);
    train(&mut model(), &d, &p, mse_vg).unwrap();
    let other = p.clone().learning_rate(LearningRate::Constant(0.2));
    let e = train(&mut model(), &d, &other, mse_vg).unwrap_err();
    assert!(e.to_string().contains("written with optim = "), "{e}");
    let e = train(&mut model(), &data(31, 0), &p, mse_vg).unwrap_err();
    assert_eq!(
        e.to_string(),
        "train: checkpoint: written with examples = 30, this run has 31"
    );
    let e = train(&mut model(), &d, &p.clone().checkpoint(&path, 0), mse_vg).unwrap_err();
    assert!(e.to_string().contains("every 0 steps"), "{e}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn outer_loop_resumed_is_bit_identical() {
    let target = array![0.3, 0.9, -0.2];
    let hg = |h: &Array1<f64>| -> Result<(f64, Array1<f64>), HyperError> {
        let d = h - &target;
        Ok((
            d.dot(&d) + 0.1 * h[0].sin(),
            2.0 * d + array![0.1 * h[0].cos(), 0.0, 0.0],
        ))
    };
    let params = OuterParams {
        iterations: 25,
        method: OuterMethod::Adam(AdamParams {
            lr: 0.05,
            ..AdamParams::default()
        }),
        projection: Projection::Box { lo: -0.5, hi: 0.5 },
    };
    let h0 = array![0.0, 0.0, 0.0];
    let reference = optimize(&h0, hg, &params, None).unwrap();
    let path = tmp("outer");
    let policy = CheckpointPolicy::new(&path, 4);
    let mut calls = 0;
    let dying = |h: &Array1<f64>| {
        calls += 1;
        if calls == 15 {
            return Err(HyperError::NonFinite("simulated crash"));
        }
        hg(h)
    };
    assert!(optimize_checkpointed(&h0, dying, &params, None, &policy).is_err());
    let r = optimize_checkpointed(&h0, hg, &params, None, &policy).unwrap();
    assert_eq!(r.hyper, reference.hyper);
    assert_eq!(r.best, reference.best);
    assert_eq!(r.best_value.to_bits(), reference.best_value.to_bits());
    assert_eq!(r.history, reference.history);
    let other = OuterParams {
        method: OuterMethod::GradientDescent { lr: 0.1 },
        ..params.clone()
    };
    let e = optimize_checkpointed(&h0, hg, &other, None, &policy).unwrap_err();
    assert!(e.to_string().contains("written with outer = "), "{e}");
    std::fs::remove_file(&path).unwrap();
}

/// Set in the environment of the child processes below.
const CHILD: &str = "HYPE_CHECKPOINT_CHILD";

fn spawn_child(test: &str, path: &std::path::Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn slow_params(path: &std::path::Path) -> TrainParams {
    TrainParams::minibatch(5)
        .epochs(100)
        .learning_rate(LearningRate::Constant(0.05))
        .optim(
            TrainParams::default()
                .optim
                .momentum(Momentum::Momentum(0.9))
                .learning_rate(LearningRate::Constant(0.05))
                .epochs(100),
        )
        .shuffle(3)
        .progress(false)
        .checkpoint(path, 3)
}

/// The child of `train_resumed_after_sigkill_is_bit_identical`: trains slowly until
/// killed.
#[test]
#[ignore = "run by train_resumed_after_sigkill_is_bit_identical in a child process"]
fn child_trains_until_killed() {
    let Some(path) = std::env::var_os(CHILD) else {
        return;
    };
    let slow = |m: &Linear<3, 2>, x: ArrayView2<f64>, y: ArrayView2<f64>| {
        std::thread::sleep(Duration::from_millis(3));
        mse_vg(m, x, y)
    };
    train(
        &mut model(),
        &data(40, 0),
        &slow_params(path.as_ref()),
        slow,
    )
    .unwrap();
}

#[test]
fn train_resumed_after_sigkill_is_bit_identical() {
    let d = data(40, 0);
    let path = tmp("sigkill");
    let mut child = spawn_child("child_trains_until_killed", &path);
    let t_of = |p: &std::path::Path| {
        file::load(p)
            .ok()
            .and_then(|r| r.reader().meta_usize("t").ok())
    };
    wait_for("a checkpoint at t >= 30", || {
        t_of(&path).is_some_and(|t| t >= 30)
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let t = t_of(&path).unwrap();
    assert!(t < 800, "the child finished before it was killed (t = {t})");
    let mut resumed = model();
    let r = train(&mut resumed, &d, &slow_params(&path), mse_vg).unwrap();
    let mut reference = model();
    let no_checkpoint = TrainParams {
        checkpoint: None,
        ..slow_params(&path)
    };
    let rr = train(&mut reference, &d, &no_checkpoint, mse_vg).unwrap();
    same(&(resumed, r), &(reference, rr));
    std::fs::remove_file(&path).unwrap();
}

/// The child of `killed_while_writing_keeps_the_previous_checkpoint`: saves large
/// models whose every value is the version number, forever.
#[test]
#[ignore = "run by killed_while_writing_keeps_the_previous_checkpoint in a child process"]
fn child_writes_until_killed() {
    let Some(path) = std::env::var_os(CHILD) else {
        return;
    };
    for v in 1.. {
        save_model(path.as_ref(), &Array1::from_elem(1 << 19, v as f64)).unwrap();
    }
}

#[test]
fn killed_while_writing_keeps_the_previous_checkpoint() {
    let path = tmp("midwrite");
    let template = Array1::<f64>::zeros(1 << 19);
    for delay_ms in [0, 7, 23] {
        let mut child = spawn_child("child_writes_until_killed", &path);
        wait_for("the first checkpoint", || path.exists());
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // Whatever the child was doing, the file is one whole version.
        let m = load_model(&path, &template).unwrap();
        assert!(m[0] >= 1.0 && m.iter().all(|&v| v == m[0]));
        let _ = std::fs::remove_file(&path);
        if let Some(dir) = path.parent() {
            // The child's half-written temporary file, if it left one.
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = path.file_name().unwrap().to_string_lossy().into_owned();
                if name.starts_with(&stem) && name.ends_with(".tmp") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}

#[test]
fn a_model_round_trips_exactly_and_other_files_are_refused() {
    let path = tmp("model");
    let m: Linear<3, 2> = model();
    save_model(&path, &m).unwrap();
    let back = load_model(&path, &model()).unwrap();
    assert_eq!((back.w, back.b), (m.w.clone(), m.b.clone()));
    // Any safetensors reader sees one F64 tensor of 8 values.
    let r = Record::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(r.names(), vec!["model"]);
    std::fs::remove_file(&path).unwrap();
}
