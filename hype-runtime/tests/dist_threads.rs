//! `hype::dist` without MPI: ranks as threads ([`ThreadRank`]). Data-parallel training
//! equals one process (to 1e-12, and bit for bit against the emulation with the
//! reduction in rank order), data-parallel Reverse-HG and Forward-HG equal the
//! one-process hypergradients, and the parallel search shares the best candidate.

mod dist_common;

use dist_common::*;
use hype_runtime::dist::{
    emulated_loss, search, Collective, DataParallel, Reduction, SingleProcess, ThreadRank,
};
use hype_runtime::hyper::{unrolled_loss, HyperError, OuterMethod, OuterParams, Projection};
use hype_runtime::optim::train;
use hype_runtime::Tangent;
use ndarray::{array, Array1};

/// Runs `f` on every rank of a group of `n` threads; the results in rank order.
fn on_ranks<T: Send>(n: usize, f: impl Fn(&ThreadRank) -> T + Sync) -> Vec<T> {
    std::thread::scope(|s| {
        let handles: Vec<_> = ThreadRank::group(n)
            .into_iter()
            .map(|c| {
                let f = &f;
                s.spawn(move || f(&c))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn one_process(batch: usize) -> Vec<f64> {
    let mut m = initial_model();
    train(&mut m, &regression_data(30), &train_params(batch), mse).unwrap();
    m.flatten().to_vec()
}

#[test]
fn data_parallel_training_equals_one_process() {
    let data = regression_data(30);
    for (ranks, batch) in [(2, 8), (2, 7), (3, 7), (4, 3)] {
        let reference = one_process(batch);
        for reduction in [Reduction::AllReduce, Reduction::RankOrder] {
            let results = on_ranks(ranks, |c| {
                let mut m = initial_model();
                DataParallel::new(c, reduction)
                    .train(&mut m, &data, &train_params(batch), mse)
                    .unwrap();
                m.flatten().to_vec()
            });
            for r in &results {
                assert_eq!(r, &results[0], "ranks disagree");
            }
            let d = rel_diff(&results[0], &reference);
            assert!(d <= 1e-12, "{ranks} ranks, batch {batch}: rel diff {d:e}");
            // Rank order: bit for bit the one-process emulation of the same shards.
            let mut emulated = initial_model();
            let loss = emulated_loss(ranks, mse);
            train(&mut emulated, &data, &train_params(batch), loss).unwrap();
            if reduction == Reduction::RankOrder {
                assert_eq!(results[0], emulated.flatten().to_vec());
            }
        }
    }
    // One rank in rank order is the plain loss, bit for bit.
    let mut m = initial_model();
    let dp = DataParallel::new(&SingleProcess, Reduction::RankOrder);
    dp.train(&mut m, &data, &train_params(7), mse).unwrap();
    assert_eq!(m.flatten().to_vec(), one_process(7));
}

#[test]
fn data_parallel_hypergradients_equal_one_process() {
    let (value, rev, fwd) = logistic_hypergradients(&SingleProcess, Reduction::AllReduce);
    assert!(rel_diff(&fwd, &rev) < 1e-12, "forward vs reverse");
    // Against central differences of the unrolled validation loss, in every coordinate.
    let (dynamics, validation, s0, h) = logistic_problem(&SingleProcess, Reduction::AllReduce);
    let flat = h.flatten();
    for (i, g) in rev.iter().enumerate() {
        let at = |d: f64| {
            let mut p = flat.clone();
            p[i] += d;
            let hp = h.rebuild(&p).unwrap();
            unrolled_loss(&dynamics, &validation, &s0, &hp, 20)
        };
        let fd = (at(1e-5) - at(-1e-5)) / 2e-5;
        assert!(
            (fd - g).abs() <= 1e-7 * (1.0 + g.abs()),
            "coordinate {i}: {fd} vs {g}"
        );
    }
    assert!(rev.iter().filter(|g| g.abs() > 1e-4).count() > 20);
    for ranks in [2, 3] {
        for reduction in [Reduction::AllReduce, Reduction::RankOrder] {
            let results = on_ranks(ranks, |c| logistic_hypergradients(c, reduction));
            for (v, r, f) in &results {
                assert!((v - value).abs() <= 1e-14 * value.abs());
                let (dr, df) = (rel_diff(r, &rev), rel_diff(f, &fwd));
                assert!(dr <= 1e-10 && df <= 1e-10, "{ranks} ranks: {dr:e} {df:e}");
            }
        }
    }
}

/// The validation loss of a learning rate λ in a toy problem with two local minima,
/// and its derivative.
fn bumpy(h: &Array1<f64>) -> Result<(f64, Array1<f64>), HyperError> {
    let x = h[0];
    Ok((
        (x * x - 1.0).powi(2) + 0.3 * x,
        array![4.0 * x * (x * x - 1.0) + 0.3],
    ))
}

#[test]
fn parallel_search_shares_the_best_candidate() {
    let candidates = vec![
        array![1.5],
        array![0.8],
        array![0.2],
        array![-0.3],
        array![-1.6],
    ];
    let params = OuterParams {
        iterations: 60,
        method: OuterMethod::GradientDescent { lr: 0.02 },
        projection: Projection::None,
    };
    let one = search(&SingleProcess, &candidates, bumpy, &params).unwrap();
    // The minimum near -1 is the lower one (the slope +0.3 x).
    assert!(one.best[0] < -0.9 && one.best[0] > -1.1, "{:?}", one.best);
    assert_eq!(one.local.len(), 5);
    let results = on_ranks(2, |c| {
        let r = search(c, &candidates, bumpy, &params).unwrap();
        (c.rank(), r)
    });
    for (rank, r) in &results {
        assert_eq!(r.best, one.best);
        assert_eq!(r.best_value.to_bits(), one.best_value.to_bits());
        assert_eq!(r.best_candidate, one.best_candidate);
        // Candidates 0, 2, 4 on rank 0; 1, 3 on rank 1.
        let mine: Vec<usize> = r.local.iter().map(|(i, _)| *i).collect();
        assert_eq!(
            mine,
            if *rank == 0 {
                vec![0, 2, 4]
            } else {
                vec![1, 3]
            }
        );
    }
    let e = search(
        &SingleProcess,
        &[array![0.0], array![0.0, 1.0]],
        bumpy,
        &params,
    )
    .unwrap_err();
    assert!(e
        .to_string()
        .contains("candidate 1 has 2 values, candidate 0 has 1"));
}
