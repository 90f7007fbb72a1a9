//! `examples/char_lstm.rs` in a short mode, its gradient against central differences,
//! and `Lstm::step` / `Lstm::state_after` against `Lstm::forward_from`.

#[path = "../examples/char_lstm.rs"]
#[allow(dead_code)]
mod char_lstm;

use char_lstm::{chunk_loss, one_hot, CharLm, Settings, Vocab, HIDDEN, TEXT};
use hype::nn::{Init, Lstm};
use hype::prelude::*;

#[test]
fn short_run_lowers_the_held_out_loss() {
    let r = char_lstm::run(&Settings::short()).expect("valid settings");
    let (first, last) = (r.held_out[0], *r.held_out.last().unwrap());
    // Uniform guessing over 62 characters is ln 62 = 4.13 nats.
    assert!(first > 3.9, "untrained held-out loss {first}");
    assert!(last < 3.6, "held-out loss {first} -> {last}");
    assert!(r.train[0] < first - 0.25, "training {:?}", r.train);
    assert!(
        r.baseline > 3.0 && r.baseline < 3.5,
        "unigram {}",
        r.baseline
    );
}

#[test]
fn chunk_loss_gradient_matches_central_differences() {
    let vocab = Vocab::of(TEXT).unwrap();
    let idx = vocab.encode(&TEXT[..9]);
    let (x, y) = (one_hot(&idx[..8]), one_hot(&idx[1..]));
    let m = CharLm::new(3);
    // Non-zero initial states, as in the middle of a stream.
    let h0 = Array2::from_shape_fn((1, HIDDEN), |(_, j)| 0.3 * (j as f64).sin());
    let c0 = Array2::from_shape_fn((1, HIDDEN), |(_, j)| 0.5 * (j as f64 * 0.7).cos());
    let (value, g) = value_and_grad!(chunk_loss)(&m, &x, &y, &h0, &c0);
    // The generated code's products of one row are gemv, the primal's gemm: 1 ulp apart.
    assert!((value - chunk_loss(&m, &x, &y, &h0, &c0)).abs() < 1e-12);
    let eps = 1e-6;
    let coords = [
        (0usize, idx[0], 3usize),
        (0, idx[2], 2 * HIDDEN + 5),
        (1, 7, 1),
        (1, 100, 4 * HIDDEN - 1),
        (2, 11, 5),
    ];
    for (which, r, c) in coords {
        let at = |m: &mut CharLm, d: f64| match which {
            0 => m.lstm.w_ih[[r, c]] += d,
            1 => m.lstm.w_hh[[r, c]] += d,
            _ => m.out.w[[r, c]] += d,
        };
        let (mut up, mut down) = (m.clone(), m.clone());
        at(&mut up, eps);
        at(&mut down, -eps);
        let fd =
            (chunk_loss(&up, &x, &y, &h0, &c0) - chunk_loss(&down, &x, &y, &h0, &c0)) / (2.0 * eps);
        let an = match which {
            0 => g.lstm.w_ih[[r, c]],
            1 => g.lstm.w_hh[[r, c]],
            _ => g.out.w[[r, c]],
        };
        assert!(
            (an - fd).abs() < 1e-8 * (1.0 + fd.abs()),
            "({which}, {r}, {c}): {an} against {fd}"
        );
    }
}

#[test]
fn step_and_state_after_follow_forward_from() {
    let l: Lstm<3, 4> = Lstm::new(Init::Uniform(0.5), 9);
    let x = Array2::from_shape_fn((5, 3), |(t, k)| ((t * 3 + k) as f64 * 0.9).sin());
    let h0 = array![[0.1, -0.2, 0.3, 0.0]];
    let c0 = array![[-0.4, 0.2, 0.0, 0.5]];
    let hs = l.forward_from(&x, &h0, &c0);
    let (mut h, mut c) = (h0.clone(), c0.clone());
    for t in 0..5 {
        (h, c) = l.step(&x.slice(s![t..t + 1, ..]).to_owned(), &h, &c);
        for j in 0..4 {
            assert!((h[[0, j]] - hs[[t, j]]).abs() < 1e-14, "step {t}, unit {j}");
        }
    }
    let (h_end, c_end) = l.state_after(&x, &h0, &c0);
    assert_eq!((h_end, c_end), (h.clone(), c.clone()));
    // The cell state carries on: the second half from the first half's states
    // equals the whole sequence's second half.
    let (h2, c2) = l.state_after(&x.slice(s![..2, ..]).to_owned(), &h0, &c0);
    let rest = l.forward_from(&x.slice(s![2.., ..]).to_owned(), &h2, &c2);
    for t in 0..3 {
        for j in 0..4 {
            assert!((rest[[t, j]] - hs[[t + 2, j]]).abs() < 1e-14);
        }
    }
    assert!(c.iter().all(|v| v.is_finite()));
}

#[test]
fn rnn_and_gru_steps_follow_forward_from() {
    use hype::nn::{Gru, Rnn};
    let x = Array2::from_shape_fn((4, 3), |(t, k)| ((t * 3 + k) as f64 * 0.7).cos());
    let h0 = array![[0.2, -0.1]];
    let rnn: Rnn<3, 2> = Rnn::new(Init::Uniform(0.8), 2);
    let gru: Gru<3, 2> = Gru::new(Init::Uniform(0.8), 4);
    let (hr, hg) = (rnn.forward_from(&x, &h0), gru.forward_from(&x, &h0));
    let (mut a, mut b) = (h0.clone(), h0.clone());
    for t in 0..4 {
        let xt = x.slice(s![t..t + 1, ..]).to_owned();
        (a, b) = (rnn.step(&xt, &a), gru.step(&xt, &b));
        for j in 0..2 {
            assert!((a[[0, j]] - hr[[t, j]]).abs() < 1e-14);
            assert!((b[[0, j]] - hg[[t, j]]).abs() < 1e-14);
        }
    }
    assert_eq!(rnn.state_after(&x, &h0), a);
    assert_eq!(gru.state_after(&x, &h0), b);
}
