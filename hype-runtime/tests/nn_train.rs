//! `optim::train`: fits models to stated losses on synthetic data, reproduces a
//! hand-written loop exactly, returns the best model, stops early, rejects bad input.

extern crate hype_runtime as hype;

use hype::data::rng::derive_seed;
use hype::data::{Dataset, Minibatches};
use hype::nn::{Init, Linear};
use hype::ops;
use hype::optim::step::{gradient_descent_step, StepState};
use hype::optim::{
    train, train_validated, Batch, EarlyStopping, LearningRate, Momentum, Params, StopReason,
    TrainError, TrainParams,
};
use hype::{differentiable, Tangent};
use hype_macros::value_and_grad;
use ndarray::{array, Array1, Array2, ArrayView2, Axis};

#[differentiable]
fn mse_loss(m: &Linear<3, 1>, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::mse(&m.forward(x), y)
}

fn mse_vg(m: &Linear<3, 1>, x: ArrayView2<f64>, y: ArrayView2<f64>) -> (f64, Linear<3, 1>) {
    value_and_grad!(mse_loss)(m, &x.to_owned(), &y.to_owned())
}

/// y = x·(1, -2, 0.5) + 0.3, exactly; x deterministic in [-1, 1].
fn regression(n: usize, offset: usize) -> Dataset {
    // Columns of different frequencies: full column rank with the intercept.
    let x = Array2::from_shape_fn((n, 3), |(i, j)| {
        (0.37 * ((j + 1) * (j + 1)) as f64 * (i + offset) as f64 + j as f64).sin()
    });
    let w = array![[1.0], [-2.0], [0.5]];
    let y = x.dot(&w) + 0.3;
    Dataset::new(x, y).unwrap()
}

#[test]
fn minibatch_sgd_fits_noise_free_regression() {
    let data = regression(60, 0);
    let mut m: Linear<3, 1> = Linear::new(Init::Uniform(0.1), 1);
    let params = TrainParams::minibatch(8)
        .epochs(200)
        .learning_rate(LearningRate::Constant(0.1))
        .shuffle(5)
        .progress(false);
    let r = train(&mut m, &data, &params, mse_vg).unwrap();
    assert_eq!(r.reason, StopReason::MaxIterations);
    // 60 examples in batches of 8: 8 batches (the last of 4) per epoch.
    assert_eq!(r.iterations, 200 * 8);
    assert_eq!(r.loss_history.len(), 1600);
    assert_eq!(r.epoch_losses.len(), 200);
    let final_loss = mse_vg(&m, data.x.view(), data.y.view()).0;
    assert!(final_loss < 1e-12, "loss {final_loss}");
    for (got, want) in m.w.iter().zip([1.0, -2.0, 0.5]) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    assert!((m.b[0] - 0.3).abs() < 1e-6);
    assert!(r.epoch_losses[0] > 0.1 && r.epoch_losses[199] < 1e-12);
}

#[test]
fn full_batch_lbfgs_goes_through_minimize_and_solves_least_squares() {
    let data = regression(40, 3);
    let mut m: Linear<3, 1> = Linear::new(Init::Uniform(0.1), 2);
    let params = TrainParams::default()
        .optim(Params::lbfgs().gradient_tolerance(1e-12))
        .progress(false);
    let r = train(&mut m, &data, &params, mse_vg).unwrap();
    assert_eq!(r.reason, StopReason::Converged);
    assert!(r.iterations < 30, "{} iterations", r.iterations);
    assert!((m.w[[1, 0]] + 2.0).abs() < 1e-9 && (m.b[0] - 0.3).abs() < 1e-9);
}

#[test]
fn training_reproduces_a_hand_written_loop_exactly() {
    let data = regression(30, 7);
    let p = Params::default()
        .learning_rate(LearningRate::RmsProp { a0: 0.01, k: 0.9 })
        .momentum(Momentum::Nesterov(0.5))
        .return_best(false)
        .epochs(3);
    let params = TrainParams::minibatch(7)
        .optim(p.clone())
        .shuffle(11)
        .progress(false);
    let m0: Linear<3, 1> = Linear::new(Init::Glorot, 3);
    let mut m = m0.clone();
    let r = train(&mut m, &data, &params, mse_vg).unwrap();

    // The same thing by hand.
    let mut h = m0;
    let mut state = StepState::new(&h);
    let mut losses = Vec::new();
    for epoch in 0..3u64 {
        for idx in Minibatches::new(30, 7)
            .unwrap()
            .shuffled(derive_seed(11, epoch))
        {
            let (x, y) = (data.x.select(Axis(0), &idx), data.y.select(Axis(0), &idx));
            let (l, g) = mse_vg(&h, x.view(), y.view());
            losses.push(l);
            (h, state) = gradient_descent_step(&h, &g, &state, &p).unwrap();
        }
    }
    assert_eq!(r.iterations, 15);
    assert_eq!(r.loss_history, losses);
    assert_eq!(m, h, "bit-identical parameters");
    // Epoch means weight the last batch (2 examples) by its size.
    let e0: f64 = losses[..5]
        .iter()
        .zip([7.0, 7.0, 7.0, 7.0, 2.0])
        .map(|(l, n)| l * n)
        .sum::<f64>()
        / 30.0;
    assert!((r.epoch_losses[0] - e0).abs() < 1e-15);
}

#[test]
fn return_best_restores_the_model_before_divergence() {
    let data = regression(20, 1);
    // 15 good steps, then 5 with a rate far beyond 2/L, which diverge.
    let mut schedule = vec![0.2; 15];
    schedule.extend([20.0; 5]);
    let params = TrainParams::default()
        .learning_rate(LearningRate::Schedule(schedule))
        .epochs(100)
        .progress(false);
    let mut m: Linear<3, 1> = Linear::new(Init::Uniform(0.1), 4);
    let r = train(&mut m, &data, &params, mse_vg).unwrap();
    assert_eq!(r.iterations, 20, "the schedule's length ends training");
    assert!(r.returned_best);
    let best = r.loss_history.iter().cloned().fold(f64::INFINITY, f64::min);
    let k = r.loss_history.iter().position(|&l| l == best).unwrap();
    assert_eq!(k, 15, "{:?}", r.loss_history);
    assert_eq!(mse_vg(&m, data.x.view(), data.y.view()).0, best);
}

#[test]
fn validation_stagnation_stops_early() {
    let data = regression(20, 1);
    let valid = regression(10, 50);
    let p = Params::gradient_descent(1e-12)
        .early_stopping(EarlyStopping::Early {
            stagnation: 20,
            overfitting: 1000,
        })
        .validation_interval(10)
        .epochs(1000);
    let params = TrainParams::default().optim(p).progress(false);
    let mut m: Linear<3, 1> = Linear::new(Init::Uniform(0.1), 4);
    let r = train_validated(&mut m, &data, &valid, &params, mse_vg).unwrap();
    assert_eq!(r.reason, StopReason::Stagnation);
    // Checks at t = 0 (first), 10 and 20 (no improvement: 20 iterations of stagnation).
    assert_eq!(r.iterations, 20);
    let ts: Vec<usize> = r.validation_history.iter().map(|v| v.0).collect();
    assert_eq!(ts, [0, 10, 20]);
    let v0 = mse_vg(
        &Linear::new(Init::Uniform(0.1), 4),
        valid.x.view(),
        valid.y.view(),
    )
    .0;
    assert!((r.validation_history[0].1 - v0).abs() < 1e-15);
}

hype_macros::model! {
    /// A small classifier.
    pub struct Net = Linear<2, 8> -> Tanh -> Linear<8, 2>;
}

#[differentiable]
fn xent(m: &Net, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_linear(&m.forward(x), y)
}

#[test]
fn adam_minibatches_learn_xor_clusters() {
    // Four clusters at the corners of a square; class = XOR of the signs.
    let n = 200;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        let corner = if (i >> j) & 1 == 1 { 1.0 } else { -1.0 };
        corner + 0.2 * ((i * 7 + j * 3) as f64).sin()
    });
    let labels: Vec<usize> = (0..n).map(|i| (i & 1) ^ ((i >> 1) & 1)).collect();
    let data = Dataset::classification(x, &labels, 2).unwrap();
    let mut m = Net::new(Init::Glorot, 9);
    let params = TrainParams::minibatch(20)
        .learning_rate(LearningRate::Adam(hype::optim::AdamParams {
            lr: 0.05,
            ..Default::default()
        }))
        .epochs(60)
        .shuffle(1)
        .progress(false);
    let loss = |m: &Net, x: ArrayView2<f64>, y: ArrayView2<f64>| {
        value_and_grad!(xent)(m, &x.to_owned(), &y.to_owned())
    };
    let r = train(&mut m, &data, &params, loss).unwrap();
    let l = xent(&m, &data.x, &data.y);
    assert!(l < 0.02, "loss {l}, epochs {:?}", &r.epoch_losses[..5]);
    let pred = hype::data::argmax_rows(&m.forward(&data.x));
    assert_eq!(pred, labels);
    let _ = Array1::<f64>::zeros(1);
}

#[test]
fn bad_configurations_are_errors_that_say_what_is_wrong() {
    let data = regression(10, 0);
    let mut m: Linear<3, 1> = Linear::new(Init::Uniform(0.1), 1);
    let e = train(
        &mut m,
        &data,
        &TrainParams::minibatch(5).optim(Params::lbfgs()),
        mse_vg,
    )
    .unwrap_err();
    assert!(matches!(e, TrainError::NeedsFullBatch { .. }));
    assert!(e.to_string().contains("Batch::Full"), "{e}");
    assert_eq!(
        train(&mut m, &data, &TrainParams::minibatch(0), mse_vg).unwrap_err(),
        TrainError::ZeroBatchSize
    );
    let narrow = Dataset::new(Array2::zeros((4, 2)), Array2::zeros((4, 1))).unwrap();
    let e = train_validated(&mut m, &data, &narrow, &TrainParams::default(), mse_vg).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the validation inputs have 2 columns, the training inputs 3"
    );
    let empty = Dataset::new(Array2::zeros((0, 3)), Array2::zeros((0, 1))).unwrap();
    assert_eq!(
        train(&mut m, &empty, &TrainParams::default(), mse_vg).unwrap_err(),
        TrainError::EmptyData
    );
    let bad = TrainParams::default().learning_rate(LearningRate::Constant(-1.0));
    assert!(matches!(
        train(&mut m, &data, &bad, mse_vg),
        Err(TrainError::Optim(_))
    ));
    // Stochastic: one example per iteration.
    let r = train(
        &mut m,
        &data,
        &TrainParams::default()
            .batch(Batch::Stochastic)
            .epochs(2)
            .learning_rate(LearningRate::Constant(0.01))
            .progress(false),
        mse_vg,
    )
    .unwrap();
    assert_eq!(r.iterations, 20);
    assert!(m.flat_len() == 4);
}
