//! A 784-300-100-10 tanh network on the bundled MNIST digits (8,000 for training,
//! 2,000 held out), trained by minibatch SGD with momentum on gradients generated at
//! compile time. Prints the held-out error.
//!
//! Run: `cargo run --release --example mnist_mlp [-- EPOCHS]`

use hype::data::mnist;
use hype::nn::Init;
use hype::prelude::*;

hype::model! {
    /// The backprop seed's network.
    pub struct Mlp = Linear<784, 300> -> Tanh -> Linear<300, 100> -> Tanh -> Linear<100, 10>;
}

/// Mean cross-entropy of the softmax of the network's output, plus L2 weight decay.
#[differentiable]
fn batch_loss(m: &Mlp, #[constant] x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    let logits = m.forward(x);
    let decay = ops::l2(&m.l0.w) + ops::l2(&m.l1.w) + ops::l2(&m.l2.w);
    ops::cross_entropy_on_linear(&logits, y) + 1e-4 * decay
}

/// What a run gives.
pub struct Report {
    /// Fraction of held-out digits misclassified.
    pub test_error: f64,
    /// Mean training loss of the first and of the last epoch.
    pub first_epoch_loss: f64,
    pub last_epoch_loss: f64,
}

/// Trains on the first `train_limit` digits for `epochs` epochs.
pub fn run(train_limit: usize, epochs: usize, verbose: bool) -> Report {
    let (batch, lr, momentum, seed) = (50, 0.05, 0.9, 1);
    let data = mnist::load().expect("the bundled MNIST files");
    let train = data.train().expect("training set");
    let n = train.len().min(train_limit);
    let train = train.select(&(0..n).collect::<Vec<_>>()).expect("rows");
    let test = data.test().expect("test set");

    let mut model = Mlp::new(Init::Glorot, seed);
    let mut velocity = model.zero_like();
    let mut epoch_losses = Vec::new();
    for epoch in 0..epochs {
        let (mut sum, mut count) = (0.0, 0);
        let batches = train
            .minibatches(batch)
            .expect("batch size")
            .shuffled(seed + epoch as u64);
        for b in batches {
            let (loss, g) = value_and_grad!(batch_loss)(&model, &b.x, &b.y);
            velocity.scale(momentum);
            velocity.axpy(1.0, &g);
            model.axpy(-lr, &velocity);
            sum += loss;
            count += 1;
        }
        epoch_losses.push(sum / count as f64);
        if verbose {
            println!(
                "epoch {:>2}: mean training loss {:.4}",
                epoch + 1,
                sum / count as f64
            );
        }
    }
    let logits = model.forward(&test.x);
    let wrong = logits
        .rows()
        .into_iter()
        .zip(test.y.rows())
        .filter(|(z, y)| argmax(z.iter()) != argmax(y.iter()))
        .count();
    Report {
        test_error: wrong as f64 / test.x.nrows() as f64,
        first_epoch_loss: epoch_losses[0],
        last_epoch_loss: *epoch_losses.last().expect("at least one epoch"),
    }
}

fn argmax<'a>(v: impl Iterator<Item = &'a f64>) -> usize {
    v.enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv {
                (i, x)
            } else {
                (bi, bv)
            }
        })
        .0
}

#[allow(dead_code)] // the tests call `run` directly
fn main() {
    let epochs = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let r = run(usize::MAX, epochs, true);
    println!(
        "784-300-100-10 MLP, {epochs} epochs on 8,000 digits: held-out error {:.2}% (2,000 digits)",
        100.0 * r.test_error
    );
}
