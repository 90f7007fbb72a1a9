//! `hype::dist` over MPI (feature `mpi`): each test launches this test binary under
//! `mpirun -np 2` to run one of the `#[ignore]`d rank programs below, which assert
//! on every rank; a timeout bounds every launch.
#![cfg(feature = "mpi")]

mod dist_common;

use dist_common::*;
use hype_runtime::dist::{search, Collective, DataParallel, Mpi, Reduction, SingleProcess};
use hype_runtime::hyper::{OuterMethod, OuterParams, Projection};
use hype_runtime::optim::train;
use hype_runtime::Tangent;
use ndarray::{array, Array1};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the rank program `test` on `ranks` processes: (success, stdout + stderr),
/// failing the test after `timeout`.
fn mpirun(test: &str, ranks: usize, timeout: Duration) -> (bool, String) {
    let exe = std::env::current_exe().unwrap();
    let out = std::env::temp_dir().join(format!("hype-mpirun-{}-{test}.log", std::process::id()));
    let log = std::fs::File::create(&out).unwrap();
    let mut child = Command::new("mpirun")
        .args(["--allow-run-as-root", "--oversubscribe", "-np"])
        .arg(ranks.to_string())
        .arg(&exe)
        .args([
            test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("OPENBLAS_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("mpirun not found: scripts/install-deps.sh --mpi");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{test}: mpirun still running after {timeout:?}:\n{}",
                std::fs::read_to_string(&out).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    (status.success(), text)
}

fn run_ok(test: &str) {
    let (ok, text) = mpirun(test, 2, Duration::from_secs(120));
    assert!(ok, "{test} failed under mpirun:\n{text}");
    // Both ranks ran the program (each prints one line).
    assert_eq!(text.matches("rank-done").count(), 2, "{text}");
}

#[test]
fn two_ranks_train_like_one_process() {
    run_ok("rank_train");
}

#[test]
#[ignore = "a rank program: run by two_ranks_train_like_one_process under mpirun"]
fn rank_train() {
    let mpi = Mpi::init().expect("MPI initializes once");
    assert_eq!(mpi.size(), 2);
    let data = regression_data(30);
    for batch in [8, 7] {
        let mut reference = initial_model();
        train(&mut reference, &data, &train_params(batch), mse).unwrap();
        let reference = reference.flatten().to_vec();
        for reduction in [Reduction::AllReduce, Reduction::RankOrder] {
            let mut m = initial_model();
            DataParallel::new(&mpi, reduction)
                .train(&mut m, &data, &train_params(batch), mse)
                .unwrap();
            let mine = m.flatten().to_vec();
            // Identical on both ranks, bit for bit.
            let all = mpi.all_gather(&mine);
            assert_eq!(&all[..mine.len()], &all[mine.len()..]);
            let d = rel_diff(&mine, &reference);
            assert!(d <= 1e-12, "batch {batch} {reduction:?}: {d:e}");
            // Two contributions: a + b is exact in either order, so MPI's sum is the
            // emulation's bit for bit.
            let mut emulated = initial_model();
            let loss = hype_runtime::dist::emulated_loss(2, mse);
            train(&mut emulated, &data, &train_params(batch), loss).unwrap();
            assert_eq!(mine, emulated.flatten().to_vec());
        }
    }
    println!("rank-done {}", mpi.rank());
}

#[test]
fn two_ranks_hypergradients_like_one_process() {
    run_ok("rank_hypergradients");
}

#[test]
#[ignore = "a rank program: run by two_ranks_hypergradients_like_one_process under mpirun"]
fn rank_hypergradients() {
    let mpi = Mpi::init().expect("MPI initializes once");
    let (value, rev, fwd) = logistic_hypergradients(&SingleProcess, Reduction::AllReduce);
    for reduction in [Reduction::AllReduce, Reduction::RankOrder] {
        let (v, r, f) = logistic_hypergradients(&mpi, reduction);
        assert!((v - value).abs() <= 1e-14 * value.abs());
        let (dr, df) = (rel_diff(&r, &rev), rel_diff(&f, &fwd));
        assert!(dr <= 1e-10 && df <= 1e-10, "{reduction:?}: {dr:e} {df:e}");
    }
    let candidates = vec![array![1.5], array![0.8], array![-0.3], array![-1.6]];
    let params = OuterParams {
        iterations: 60,
        method: OuterMethod::GradientDescent { lr: 0.02 },
        projection: Projection::None,
    };
    let bumpy = |h: &Array1<f64>| {
        let x = h[0];
        Ok((
            (x * x - 1.0).powi(2) + 0.3 * x,
            array![4.0 * x * (x * x - 1.0) + 0.3],
        ))
    };
    let one = search(&SingleProcess, &candidates, bumpy, &params).unwrap();
    let r = search(&mpi, &candidates, bumpy, &params).unwrap();
    assert_eq!((r.best, r.best_candidate), (one.best, one.best_candidate));
    assert_eq!(r.local.len(), 2);
    println!("rank-done {}", mpi.rank());
}

#[test]
fn a_rank_that_exits_ends_the_job_with_an_error() {
    let start = Instant::now();
    let (ok, text) = mpirun("rank_exits_mid_run", 2, Duration::from_secs(60));
    assert!(!ok, "the job succeeded:\n{text}");
    // Open MPI names the rank that exited; the other rank did not finish training.
    assert!(text.contains("exited with non-zero status"), "{text}");
    assert!(!text.contains("rank-done 0"), "{text}");
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
#[ignore = "a rank program: run by a_rank_that_exits_ends_the_job_with_an_error under mpirun"]
fn rank_exits_mid_run() {
    let mpi = Mpi::init().expect("MPI initializes once");
    let rank = mpi.rank();
    let data = regression_data(30);
    let calls = std::cell::Cell::new(0);
    let dying = |m: &LinearModel, x: ndarray::ArrayView2<f64>, y: ndarray::ArrayView2<f64>| {
        calls.set(calls.get() + 1);
        if rank == 1 && calls.get() == 5 {
            std::process::exit(3);
        }
        mse(m, x, y)
    };
    let mut m = initial_model();
    DataParallel::new(&mpi, Reduction::AllReduce)
        .train(&mut m, &data, &train_params(8), dying)
        .unwrap();
    println!("rank-done {rank}");
}
