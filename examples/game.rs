//! Hype's other nested-optimization example: optimizing the rules of a game whose
//! players optimize their strategies against models of each other that they fit to
//! each other's observed play — three levels of optimization, the outer one
//! differentiating through the two inside.
//!
//! The game is a Cournot duopoly. Two firms choose quantities `q1, q2 ≥ 0`; the price
//! is `a - q1 - q2`; firm `i` has unit cost `c_i` and pays a per-unit tax `τ` (a
//! subsidy when negative), so its profit is `π_i = q_i (a - q_i - q_j) - (c_i + τ) q_i`.
//!
//! 1. **The rules** (outermost): a regulator chooses `τ` to maximize the welfare of
//!    the market the firms end up in, `W = a Q - Q²/2 - c1 q1 - c2 q2` (`Q = q1 + q2`:
//!    consumers' surplus plus profits plus tax revenue), by gradient ascent with
//!    `grad!` of [`welfare`] — a derivative through all the play below.
//! 2. **Strategies**: the game is repeated for `rounds` rounds. In each round each
//!    firm maximizes its profit against its model of the other's quantity, by
//!    gradient ascent (`grad!` of the profit, a closure, inside the body).
//! 3. **Models of the opponent**: before that, each firm fits its model — the
//!    quantity `m` the other firm will play — to the other's observed quantities so
//!    far, by least squares with weights `γ^(age)` (recent rounds count more), again
//!    by gradient descent inside the body.
//!
//! Level 1 sees levels 2 and 3 as one differentiable function of `τ`; levels 2 and 3
//! are warm-started from the previous round, so a few inner steps suffice. The play
//! converges to the Nash equilibrium of the taxed game, `q1 = (a - 2c1 + c2 - τ)/3`,
//! `q2 = (a - 2c2 + c1 - τ)/3` (the fitted models converge to the same quantities),
//! and the welfare-maximizing rule has the closed form `τ* = ((c1 + c2)/2 - a)/2`,
//! where `Q* = a - (c1 + c2)/2`. `tests/examples.rs` checks all three against the
//! closed forms and the derivative against central differences.
//!
//! `cargo run --release --example game`

use hype::prelude::*;

/// The market and how the firms learn.
#[derive(Clone, Debug)]
pub struct Game {
    /// Demand intercept `a` (price `a - q1 - q2`).
    pub a: f64,
    /// Unit costs.
    pub c1: f64,
    pub c2: f64,
    /// Rounds of play.
    pub rounds: usize,
    /// Gradient steps per round for fitting the opponent model (level 3) and for the
    /// strategy (level 2), and their step size.
    pub fit_steps: usize,
    pub play_steps: usize,
    pub inner_rate: f64,
    /// Weight decay of old observations `γ`.
    pub discount: f64,
    /// Both firms' opening quantity (observed before round 1).
    pub opening: f64,
}

impl Default for Game {
    fn default() -> Self {
        Game {
            a: 10.0,
            c1: 1.0,
            c2: 2.0,
            rounds: 100,
            fit_steps: 8,
            play_steps: 8,
            inner_rate: 0.4,
            discount: 0.5,
            opening: 1.0,
        }
    }
}

/// The firms' quantities after `g.rounds` rounds of play under the tax `tau`, and
/// their final models of each other: `[q1, q2, m1, m2]` (`m1`: firm 2's model of
/// firm 1's quantity; `m2`: firm 1's model of firm 2's).
#[differentiable]
pub fn play(tau: f64, #[constant] g: &Game) -> Array1<f64> {
    let mut q1 = g.opening;
    let mut q2 = g.opening;
    // Running sums of the observations: Σ w, Σ w q (the same weights for both).
    let mut w = 1.0;
    let mut s1 = q1;
    let mut s2 = q2;
    let mut m1 = q1;
    let mut m2 = q2;
    for _ in 0..g.rounds {
        // Level 3: least squares fits of the models, (1/Σw) Σ w_k (q_k - m)².
        for _ in 0..g.fit_steps {
            m1 -= g.inner_rate * grad!(|m: f64| (w * m * m - 2.0 * s1 * m) / w)(m1);
            m2 -= g.inner_rate * grad!(|m: f64| (w * m * m - 2.0 * s2 * m) / w)(m2);
        }
        // Level 2: each firm's profit against its model of the other (ascent).
        let mut x1 = q1;
        let mut x2 = q2;
        for _ in 0..g.play_steps {
            x1 += g.inner_rate * grad!(|x: f64| x * (g.a - x - m2) - (g.c1 + tau) * x)(x1);
            x2 += g.inner_rate * grad!(|x: f64| x * (g.a - x - m1) - (g.c2 + tau) * x)(x2);
        }
        q1 = x1;
        q2 = x2;
        // The new observations.
        w = g.discount * w + 1.0;
        s1 = g.discount * s1 + q1;
        s2 = g.discount * s2 + q2;
    }
    let mut out = Array1::zeros(4);
    out[0] = q1;
    out[1] = q2;
    out[2] = m1;
    out[3] = m2;
    out
}

/// Level 1's objective: the market's welfare after the play under the tax `tau`.
#[differentiable]
pub fn welfare(tau: f64, #[constant] g: &Game) -> f64 {
    let p = play(tau, g);
    let total = p[0] + p[1];
    g.a * total - 0.5 * total * total - g.c1 * p[0] - g.c2 * p[1]
}

/// The closed forms: Nash quantities under `tau`, welfare there, its derivative, and
/// the welfare-maximizing tax.
pub mod closed_form {
    use super::Game;

    /// Nash equilibrium `(q1, q2)` of the taxed one-shot game.
    pub fn nash(g: &Game, tau: f64) -> (f64, f64) {
        (
            (g.a - 2.0 * g.c1 + g.c2 - tau) / 3.0,
            (g.a - 2.0 * g.c2 + g.c1 - tau) / 3.0,
        )
    }

    /// Welfare at the Nash equilibrium under `tau`.
    pub fn welfare(g: &Game, tau: f64) -> f64 {
        let (q1, q2) = nash(g, tau);
        let total = q1 + q2;
        g.a * total - 0.5 * total * total - g.c1 * q1 - g.c2 * q2
    }

    /// `dW/dτ = -(2/3)(a - Q) + (c1 + c2)/3` at the Nash equilibrium.
    pub fn welfare_slope(g: &Game, tau: f64) -> f64 {
        let (q1, q2) = nash(g, tau);
        -2.0 / 3.0 * (g.a - q1 - q2) + (g.c1 + g.c2) / 3.0
    }

    /// `τ* = ((c1 + c2)/2 - a)/2`.
    pub fn best_tax(g: &Game) -> f64 {
        ((g.c1 + g.c2) / 2.0 - g.a) / 2.0
    }
}

/// Level 1: gradient ascent on the welfare from `tau0`: `(τ, W, |dW/dτ|)` after
/// `steps` steps of size `rate` (W is concave in τ with curvature 4/9 at the
/// equilibrium, so 1.5 contracts by 1/3 per step).
pub fn design(g: &Game, tau0: f64, steps: usize, rate: f64) -> (f64, f64, f64) {
    let mut tau = tau0;
    let mut slope = f64::NAN;
    for _ in 0..steps {
        slope = grad!(welfare)(tau, g);
        tau += rate * slope;
    }
    (tau, welfare(tau, g), slope.abs())
}

#[allow(dead_code)]
fn main() {
    let g = Game::default();
    let start = std::time::Instant::now();
    println!(
        "game: Cournot duopoly, a = {}, costs {} and {}; {} rounds, {} fitting and {} strategy steps per round",
        g.a, g.c1, g.c2, g.rounds, g.fit_steps, g.play_steps
    );
    let p = play(0.0, &g);
    let (n1, n2) = closed_form::nash(&g, 0.0);
    println!(
        "no tax: play q = ({:.12}, {:.12}), models ({:.12}, {:.12}); Nash ({n1:.12}, {n2:.12})",
        p[0], p[1], p[2], p[3]
    );
    let slope = grad!(welfare)(0.0, &g);
    let h = 1e-5;
    let fd = (welfare(h, &g) - welfare(-h, &g)) / (2.0 * h);
    println!(
        "dW/dτ at τ = 0: through the play {slope:.12}, central differences {fd:.12}, closed form {:.12}",
        closed_form::welfare_slope(&g, 0.0)
    );
    let (tau, w, last) = design(&g, 0.0, 40, 1.5);
    let best = closed_form::best_tax(&g);
    let p = play(tau, &g);
    println!(
        "designed tax τ = {tau:.12} (closed form {best:.12}, error {:.1e}), welfare {w:.12} (closed form {:.12}), last |dW/dτ| {last:.1e}",
        (tau - best).abs(),
        closed_form::welfare(&g, best)
    );
    println!(
        "play under it: q = ({:.12}, {:.12}), price {:.12}; whole run {:.3} s",
        p[0],
        p[1],
        g.a - p[0] - p[1],
        start.elapsed().as_secs_f64()
    );
}
