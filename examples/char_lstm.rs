//! Hype's recurrent demo: a character-level LSTM language model on the bundled
//! Shakespeare (`data/shakespeare/`, public domain; its README gives the source).
//!
//! One-hot characters → `nn::Lstm<62, 128>` → `nn::Linear<128, 62>` → softmax
//! cross-entropy against the next character. Training is truncated backpropagation
//! through time over chunks: each update takes the next `seq` characters of each of a
//! few streams (evenly spaced through the training text), starts the LSTM from the
//! states where the stream's previous chunk ended (constants for the derivatives),
//! and steps Adam along the mean gradient. The gradient is `value_and_grad!` of
//! [`chunk_loss`]: the transform's reverse mode through the layer's loop over time.
//!
//! Run: `cargo run --release --example char_lstm [-- --short] [--updates N]`.
//! Prints the per-character loss (training and held-out, nats and bits), samples
//! drawn with a seeded generator, writes `target/char_lstm/loss.png`, and ends with
//! `char_lstm: loss <held-out nats/char> baseline <unigram nats/char>`.

use hype::nn::{Init, Linear, Lstm};
use hype::optim::step::{gradient_descent_step, StepState};
use hype::optim::{AdamParams, GradientClipping, LearningRate, Momentum, Params};
use hype::prelude::*;
use hype::report::{plot_in_target, Curve, PlotOptions, Progress};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The number of distinct characters of the bundled text.
pub const VOCAB: usize = 62;
/// LSTM hidden units.
pub const HIDDEN: usize = 128;

/// The bundled text (the first 199,994 characters of char-rnn's tinyshakespeare).
pub const TEXT: &str = include_str!("../data/shakespeare/input.txt");

/// The language model: an LSTM and a linear read-out to one logit per character.
#[derive(Clone, Debug, Tangent)]
pub struct CharLm {
    /// The recurrent layer.
    pub lstm: Lstm<VOCAB, HIDDEN>,
    /// The read-out.
    pub out: Linear<HIDDEN, VOCAB>,
}

impl CharLm {
    /// Seeded weights: uniform on ±1/√H for the LSTM (PyTorch's default), Glorot for the read-out.
    pub fn new(seed: u64) -> Self {
        let a = 1.0 / (HIDDEN as f64).sqrt();
        let mut lstm = Lstm::new(Init::Uniform(a), seed);
        // Forget-gate bias 1: the cell keeps its content early in training.
        lstm.b_ih.slice_mut(s![HIDDEN..2 * HIDDEN]).fill(1.0);
        CharLm {
            lstm,
            out: Linear::new(Init::Glorot, seed.wrapping_add(7)),
        }
    }
}

/// Mean cross-entropy (nats per character) of the chunk `x` `[T, VOCAB]` (one-hot)
/// against the next characters `y` `[T, VOCAB]`, from the states `h0`, `c0`.
#[differentiable]
pub fn chunk_loss(
    m: &CharLm,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
    #[constant] h0: &Array2<f64>,
    #[constant] c0: &Array2<f64>,
) -> f64 {
    let hs = m.lstm.forward_from(x, h0, c0);
    let logits = m.out.forward(&hs);
    ops::cross_entropy_on_linear(&logits, y)
}

/// The characters of a text, sorted, and each character's index.
pub struct Vocab {
    /// The characters, sorted.
    pub chars: Vec<char>,
}

impl Vocab {
    /// The vocabulary of `text`; an error unless it has exactly [`VOCAB`] characters.
    pub fn of(text: &str) -> Result<Self, String> {
        let mut chars: Vec<char> = text.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        if chars.len() != VOCAB {
            return Err(format!(
                "char_lstm: the text has {} distinct characters, the model takes {VOCAB}",
                chars.len()
            ));
        }
        Ok(Vocab { chars })
    }

    /// The index of every character of `text` (all in the vocabulary).
    pub fn encode(&self, text: &str) -> Vec<usize> {
        text.chars()
            .map(|ch| self.chars.binary_search(&ch).expect("in the vocabulary"))
            .collect()
    }
}

/// One row per index, 1 in its column.
pub fn one_hot(idx: &[usize]) -> Array2<f64> {
    let mut x = Array2::zeros((idx.len(), VOCAB));
    for (r, &k) in idx.iter().enumerate() {
        x[[r, k]] = 1.0;
    }
    x
}

/// The zero state `[1, HIDDEN]`.
fn zero_state() -> Array2<f64> {
    Array2::zeros((1, HIDDEN))
}

/// Mean nats per character of predicting `text[1..]` from `text[..n-1]`, from the
/// zero state, one step at a time ([`Lstm::step`]: one pass, the states carried).
pub fn evaluate(m: &CharLm, text: &[usize]) -> f64 {
    let (mut h, mut c) = (zero_state(), zero_state());
    let mut hs = Array2::zeros((text.len() - 1, HIDDEN));
    for (t, &k) in text[..text.len() - 1].iter().enumerate() {
        (h, c) = m.lstm.step(&one_hot(&[k]), &h, &c);
        hs.row_mut(t).assign(&h.row(0));
    }
    let logits = m.out.forward(&hs);
    ops::cross_entropy_on_linear(&logits, &one_hot(&text[1..]))
}

/// The cross-entropy (nats per character) of `test` under the character frequencies
/// of `train` (add-one smoothed): what a model without context achieves.
pub fn unigram_baseline(train: &[usize], test: &[usize]) -> f64 {
    let mut counts = [1.0f64; VOCAB];
    for &k in train {
        counts[k] += 1.0;
    }
    let total: f64 = counts.iter().sum();
    -test.iter().map(|&k| (counts[k] / total).ln()).sum::<f64>() / test.len() as f64
}

/// `len` characters drawn from the model after the prompt, at temperature `temp`.
pub fn sample(m: &CharLm, vocab: &Vocab, prompt: &str, len: usize, temp: f64, seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut h, mut c) = (zero_state(), zero_state());
    let mut out = String::from(prompt);
    for i in vocab.encode(prompt) {
        (h, c) = m.lstm.step(&one_hot(&[i]), &h, &c);
    }
    for _ in 0..len {
        let logits = m.out.forward(&h).row(0).mapv(|v| v / temp);
        let top = logits.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        let w = logits.mapv(|v| (v - top).exp());
        let mut u = rng.gen::<f64>() * w.sum();
        let mut next = VOCAB - 1;
        for (k, &wk) in w.iter().enumerate() {
            if u < wk {
                next = k;
                break;
            }
            u -= wk;
        }
        out.push(vocab.chars[next]);
        (h, c) = m.lstm.step(&one_hot(&[next]), &h, &c);
    }
    out
}

/// The settings of a run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Characters per chunk (the truncation window of backpropagation through time).
    pub seq: usize,
    /// Parallel streams through the training text (chunks per update).
    pub streams: usize,
    /// Adam updates.
    pub updates: usize,
    /// Adam's step size.
    pub lr: f64,
    /// Held-out evaluations (evenly spaced) during training.
    pub evals: usize,
    /// Held-out characters used (from the end of the text).
    pub held_out: usize,
    /// Characters of the text used for training (from its start, before the held-out part).
    pub train_chars: usize,
    /// Print progress, samples and write the plot.
    pub verbose: bool,
    /// Seed of the weights and of the samples.
    pub seed: u64,
}

impl Settings {
    /// The demo's settings (a few minutes on one core).
    pub fn demo() -> Self {
        Settings {
            seq: 50,
            streams: 4,
            updates: 2000,
            lr: 3e-3,
            evals: 20,
            held_out: 10_000,
            train_chars: usize::MAX,
            verbose: true,
            seed: 1,
        }
    }

    /// A few seconds in debug: a small run that must still lower the loss.
    pub fn short() -> Self {
        Settings {
            seq: 16,
            streams: 1,
            updates: 12,
            lr: 2e-2,
            evals: 1,
            held_out: 200,
            train_chars: 2_000,
            verbose: false,
            seed: 1,
        }
    }
}

/// What a run gives.
pub struct Report {
    /// Held-out nats per character before training and after each evaluation interval.
    pub held_out: Vec<f64>,
    /// Mean training nats per character over each evaluation interval.
    pub train: Vec<f64>,
    /// The unigram baseline on the held-out characters.
    pub baseline: f64,
    /// The trained model.
    pub model: CharLm,
}

/// Trains with `s` and reports the losses.
pub fn run(s: &Settings) -> Result<Report, String> {
    let vocab = Vocab::of(TEXT)?;
    let all = vocab.encode(TEXT);
    let split = all.len() - s.held_out.min(all.len() / 10);
    let train_text = &all[..split.min(s.train_chars)];
    let test_text = &all[split..];
    let baseline = unigram_baseline(train_text, test_text);
    if train_text.len() < s.streams * (s.seq + 1) {
        return Err(format!(
            "char_lstm: {} training characters for {} streams of chunks of {}",
            train_text.len(),
            s.streams,
            s.seq
        ));
    }

    let mut m = CharLm::new(s.seed);
    let params = Params::default()
        .learning_rate(LearningRate::Adam(AdamParams {
            lr: s.lr,
            ..AdamParams::default()
        }))
        .momentum(Momentum::NoMomentum)
        .gradient_clipping(GradientClipping::NormClip(5.0));
    let mut state = StepState::new(&m);

    // Stream k starts at k/streams of the training text and wraps around.
    let span = train_text.len() / s.streams;
    let mut pos: Vec<usize> = (0..s.streams).map(|k| k * span).collect();
    let mut states = vec![(zero_state(), zero_state()); s.streams];

    let eval_every = (s.updates / s.evals.max(1)).max(1);
    let mut held_out = vec![evaluate(&m, test_text)];
    let mut train = Vec::new();
    let mut interval = (0.0, 0usize);
    if s.verbose {
        println!(
            "{} training characters, {} held out, vocabulary {VOCAB}; Lstm<{VOCAB}, {HIDDEN}> -> Linear<{HIDDEN}, {VOCAB}>",
            train_text.len(),
            test_text.len()
        );
        println!(
            "unigram baseline {baseline:.4} nats/char ({:.3} bits); before training: held-out {:.4}",
            baseline / std::f64::consts::LN_2,
            held_out[0]
        );
    }
    let bar = Progress::new(s.updates as u64, "char_lstm", s.verbose);
    for u in 1..=s.updates {
        let mut grad = m.zero_like();
        let mut loss = 0.0;
        for k in 0..s.streams {
            // Past the end of its span (or the text), a stream starts again from zero states.
            if pos[k] + s.seq + 1 > train_text.len() || pos[k] >= (k + 1) * span + s.seq {
                pos[k] = k * span;
                states[k] = (zero_state(), zero_state());
            }
            let chunk = &train_text[pos[k]..pos[k] + s.seq + 1];
            let x = one_hot(&chunk[..s.seq]);
            let y = one_hot(&chunk[1..]);
            let (h0, c0) = &states[k];
            let (l, g) = value_and_grad!(chunk_loss)(&m, &x, &y, h0, c0);
            loss += l;
            grad.axpy(1.0 / s.streams as f64, &g);
            states[k] = m.lstm.state_after(&x, h0, c0);
            pos[k] += s.seq;
        }
        loss /= s.streams as f64;
        let (next, st) = gradient_descent_step(&m, &grad, &state, &params)
            .map_err(|e| format!("char_lstm: {e}"))?;
        m = next;
        state = st;
        interval.0 += loss;
        interval.1 += 1;
        bar.inc(1);
        bar.set_message(format!("loss {loss:.3}"));
        if u % eval_every == 0 || u == s.updates {
            let tr = interval.0 / interval.1 as f64;
            interval = (0.0, 0);
            let te = evaluate(&m, test_text);
            train.push(tr);
            held_out.push(te);
            if s.verbose {
                bar.println(format!(
                    "update {u:>5}: training {tr:.4} nats/char ({:.3} bits), held-out {te:.4} ({:.3} bits)",
                    tr / std::f64::consts::LN_2,
                    te / std::f64::consts::LN_2
                ));
            }
        }
    }
    bar.finish();
    Ok(Report {
        held_out,
        train,
        baseline,
        model: m,
    })
}

fn plot(s: &Settings, r: &Report) {
    let every = (s.updates / s.evals.max(1)).max(1);
    let at = |k: usize| ((k * every).min(s.updates) * s.streams * s.seq) as f64;
    let held: Vec<(f64, f64)> = r
        .held_out
        .iter()
        .enumerate()
        .map(|(k, &v)| (at(k), v))
        .collect();
    let train: Vec<(f64, f64)> = r
        .train
        .iter()
        .enumerate()
        .map(|(k, &v)| (at(k + 1), v))
        .collect();
    let end = at(r.held_out.len() - 1);
    let curves = [
        Curve::new("training (interval mean)", train),
        Curve::new("held-out", held),
        Curve::new(
            "unigram baseline",
            vec![(0.0, r.baseline), (end, r.baseline)],
        ),
    ];
    let options = PlotOptions::default()
        .title(format!("char_lstm: Lstm<{VOCAB}, {HIDDEN}> on Shakespeare"))
        .labels("training characters", "nats per character");
    plot_in_target(
        env!("CARGO_MANIFEST_DIR"),
        "char_lstm",
        "loss.png",
        &curves,
        &options,
    );
}

fn main() {
    hype::tune::for_small_arrays();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut s = if args.iter().any(|a| a == "--short") {
        Settings {
            verbose: true,
            ..Settings::short()
        }
    } else {
        Settings::demo()
    };
    if let Some(k) = args.iter().position(|a| a == "--updates") {
        match args.get(k + 1).and_then(|v| v.parse().ok()) {
            Some(n) => s.updates = n,
            None => {
                eprintln!("char_lstm: --updates takes a number");
                std::process::exit(2);
            }
        }
    }
    let start = std::time::Instant::now();
    let r = match run(&s) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let vocab = Vocab::of(TEXT).expect("checked by run");
    for (k, temp) in [(0u64, 1.0), (1, 0.7)] {
        println!("--- sample at temperature {temp} (seed {k}) ---");
        println!("{}", sample(&r.model, &vocab, "\n", 300, temp, s.seed + k));
    }
    println!("---");
    plot(&s, &r);
    let last = *r.held_out.last().expect("at least the initial evaluation");
    println!(
        "{} updates of {} chunks of {} characters in {:.1} s",
        s.updates,
        s.streams,
        s.seq,
        start.elapsed().as_secs_f64()
    );
    println!("char_lstm: loss {last:.4} baseline {:.4}", r.baseline);
}
