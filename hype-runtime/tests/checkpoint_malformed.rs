//! Malformed checkpoint files: each is an `Err` that names the problem, never a panic,
//! never an allocation sized by a header that the file's bytes do not back.

extern crate hype_runtime as hype;

use hype::checkpoint::{file, Record};
use hype::data::Dataset;
use hype::differentiable;
use hype::nn::{Init, Linear};
use hype::ops;
use hype::optim::{train, LearningRate, TrainParams};
use hype_macros::value_and_grad;
use ndarray::{Array2, ArrayView2};
use std::path::{Path, PathBuf};

#[differentiable]
fn mse_loss(m: &Linear<3, 1>, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::mse(&m.forward(x), y)
}

fn mse_vg(m: &Linear<3, 1>, x: ArrayView2<f64>, y: ArrayView2<f64>) -> (f64, Linear<3, 1>) {
    value_and_grad!(mse_loss)(m, &x.to_owned(), &y.to_owned())
}

fn data() -> Dataset {
    let x = Array2::from_shape_fn((20, 3), |(i, j)| ((i * 3 + j) as f64 * 0.7).sin());
    let y = x.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
    Dataset::new(x, y).unwrap()
}

fn params(path: &Path) -> TrainParams {
    TrainParams::minibatch(4)
        .epochs(2)
        .learning_rate(LearningRate::Constant(0.1))
        .shuffle(5)
        .progress(false)
        .checkpoint(path, 3)
}

fn resume(path: &Path) -> String {
    let mut m: Linear<3, 1> = Linear::new(Init::Uniform(0.3), 1);
    match train(&mut m, &data(), &params(path), mse_vg) {
        Ok(_) => "Ok".to_string(),
        Err(e) => e.to_string(),
    }
}

/// A safetensors file from its header JSON and data bytes.
fn raw(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn edited(valid: &Record, edit: impl FnOnce(&mut Record)) -> Vec<u8> {
    let mut r = valid.clone();
    edit(&mut r);
    r.to_bytes().unwrap()
}

fn path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "hype-bad-{}-{name}.safetensors",
        std::process::id()
    ))
}

#[test]
fn malformed_checkpoints_are_errors_that_name_the_problem() {
    // A valid checkpoint of this run, after 3 of its 10 iterations.
    let good = path("good");
    let _ = std::fs::remove_file(&good);
    let calls = std::cell::Cell::new(0);
    let stop = |m: &Linear<3, 1>, x: ArrayView2<f64>, y: ArrayView2<f64>| {
        calls.set(calls.get() + 1);
        let (l, g) = mse_vg(m, x, y);
        (if calls.get() == 5 { f64::NAN } else { l }, g)
    };
    let mut m: Linear<3, 1> = Linear::new(Init::Uniform(0.3), 1);
    train(&mut m, &data(), &params(&good), stop).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let valid = Record::from_bytes(&bytes).unwrap();
    assert_eq!(resume(&good), "Ok");
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap().to_string();

    let with_len = |len: u64| {
        let mut b = bytes.clone();
        b[..8].copy_from_slice(&len.to_le_bytes());
        b
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "empty file",
            vec![],
            "shorter than the 8-byte header length",
        ),
        (
            "4 bytes",
            bytes[..4].to_vec(),
            "shorter than the 8-byte header length",
        ),
        (
            "header only",
            bytes[..8].to_vec(),
            "runs past the end of the file",
        ),
        (
            "cut in the header",
            bytes[..8 + n / 2].to_vec(),
            "runs past the end of the file",
        ),
        (
            "cut in the data",
            bytes[..bytes.len() / 2 + n / 2].to_vec(),
            "truncated or padded",
        ),
        (
            "last byte missing",
            bytes[..bytes.len() - 1].to_vec(),
            "truncated or padded",
        ),
        (
            "one byte appended",
            [bytes.clone(), vec![0]].concat(),
            "truncated or padded",
        ),
        ("header length u64::MAX", with_len(u64::MAX), "over 100 MB"),
        ("header length 2^40", with_len(1 << 40), "over 100 MB"),
        (
            "header length past the end",
            with_len(n as u64 + 1_000_000),
            "runs past the end",
        ),
        (
            "header length too short",
            with_len(n as u64 - 40),
            "not valid safetensors JSON",
        ),
        (
            "header not JSON",
            raw("{not json at all}", &[]),
            "not valid safetensors JSON",
        ),
        (
            "header not UTF-8",
            [2u64.to_le_bytes().to_vec(), vec![0xff, 0xfe]].concat(),
            "not UTF-8",
        ),
        (
            "huge declared shape",
            raw(
                r#"{"model":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
            "overflows",
        ),
        (
            "shape larger than its bytes",
            raw(
                r#"{"model":{"dtype":"F64","shape":[1000000000],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
            "do not match its byte range",
        ),
        (
            "offsets past the end",
            raw(
                r#"{"model":{"dtype":"F64","shape":[1000000],"data_offsets":[0,8000000]}}"#,
                &[0; 8],
            ),
            "truncated or padded",
        ),
        (
            "overlapping offsets",
            raw(
                r#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[4,12]}}"#,
                &[0; 12],
            ),
            "offsets that do not follow",
        ),
        (
            "wrong dtype F32",
            raw(
                &header.replacen("\"F64\",\"shape\":[4]", "\"F32\",\"shape\":[8]", 1),
                &bytes[8 + n..],
            ),
            "expected F64",
        ),
        (
            "wrong dtype I64",
            raw(&header.replacen("\"F64\"", "\"I64\"", 1), &bytes[8 + n..]),
            "expected F64",
        ),
        (
            "model of another size",
            edited(&valid, |r| {
                r.remove("model");
                r.put_vec("model", vec![0.0; 5]);
            }),
            "tensor `model` has 5 values, the run needs 4",
        ),
        (
            "velocity missing",
            edited(&valid, |r| {
                r.remove("velocity");
            }),
            "tensor `velocity` is missing",
        ),
        (
            "extra tensor",
            edited(&valid, |r| r.put_vec("optimizer_of_another_run", vec![1.0])),
            "unexpected tensor `optimizer_of_another_run`",
        ),
        (
            "loss history shorter than t",
            edited(&valid, |r| {
                r.remove("loss_history");
                r.put_vec("loss_history", vec![1.0]);
            }),
            "tensor `loss_history` has 1 values, the run needs 3",
        ),
        (
            "metadata t missing",
            edited(&valid, |r| r.set_meta("t", "")),
            "`` is not an unsigned integer",
        ),
        (
            "metadata t not a number",
            edited(&valid, |r| r.set_meta("t", "three")),
            "metadata `t`: `three`",
        ),
        (
            "epoch past the run",
            edited(&valid, |r| r.set_meta("epoch", 7)),
            "metadata `epoch`: 7 is not below the 2 epochs",
        ),
        (
            "batches past an epoch",
            edited(&valid, |r| r.set_meta("batches_done", 99)),
            "metadata `batches_done`: 99 is more than the 5 batches",
        ),
        (
            "batch index out of range",
            edited(&valid, |r| {
                r.remove("last_batch");
                r.put_vec("last_batch", vec![1.0, 20.0]);
            }),
            "metadata `last_batch`: 20 is not an index below 20",
        ),
        (
            "batch index not an integer",
            edited(&valid, |r| {
                r.remove("last_batch");
                r.put_vec("last_batch", vec![f64::NAN]);
            }),
            "NaN is not an index",
        ),
        (
            "another shuffle seed",
            edited(&valid, |r| r.set_meta("shuffle", "Some(6)")),
            "written with shuffle = Some(6), this run has Some(5)",
        ),
        (
            "a model file, not a training state",
            edited(&valid, |r| r.set_meta("format", "hype.model.v1")),
            "written with format = hype.model.v1, this run has hype.train.v1",
        ),
        (
            "best snapshot of 3 scalars",
            edited(&valid, |r| {
                r.remove("best_scalars");
                r.put_vec("best_scalars", vec![1.0, 2.0, 3.0]);
            }),
            "tensor `best_scalars` has 3 values, the run needs 2",
        ),
    ];
    assert!(cases.len() >= 20);
    for (what, b, expected) in cases {
        let p = path("case");
        std::fs::write(&p, &b).unwrap();
        let e = resume(&p);
        assert!(
            e.starts_with("train: checkpoint: ") && e.contains(expected),
            "{what}: got `{e}`, expected it to contain `{expected}`"
        );
        std::fs::remove_file(&p).unwrap();
    }
    // A directory where the file should be: an I/O error naming the path.
    let dir = path("dir");
    std::fs::create_dir_all(&dir).unwrap();
    let e = file::load(&dir).unwrap_err().to_string();
    assert!(
        e.starts_with("checkpoint: cannot read ") && e.contains("hype-bad-"),
        "{e}"
    );
    std::fs::remove_dir(&dir).unwrap();
    std::fs::remove_file(&good).unwrap();
}
