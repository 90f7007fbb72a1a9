//! Reverse-HG with checkpointing: the trajectory is not stored but recomputed from a
//! few saved states during the backward sweep.
//!
//! * [`Checkpointing::Sqrt`] — segments of `k = ⌈√T⌉` steps. The forward sweep saves
//!   the first state of every segment (`⌈T/k⌉` states); the backward sweep, segment
//!   by segment from the last, recomputes the segment's `k - 1` inner states from its
//!   checkpoint and runs the adjoint recursion over them. Stored states at most
//!   `⌈T/k⌉ + k - 1 ≤ 2⌈√T⌉`; steps at most `2T` (each inner state is computed twice),
//!   plus the same `T` VJPs as the full sweep, so the time is below twice Reverse-HG.
//! * [`Checkpointing::Binomial`] — Griewank's binomial schedule (Revolve) with `c`
//!   snapshots besides `s_0`: to reverse `l` steps from a saved state with `c` free
//!   snapshots, advance to the split point `m` chosen from the binomial bound
//!   `β(c, r) = C(c + r, c)` (the most steps `c` snapshots reverse with `r`
//!   recomputations per step), save the state there, reverse the right part with
//!   `c - 1` snapshots, free it, and reverse the left part with `c`. Stored states at
//!   most `c + 1`; every step is computed at most `r` times, where `r` is the smallest
//!   integer with `β(c, r) ≥ T` (the first sweep places the snapshots and reaches
//!   `s_T`, where `E` is evaluated, on the way).
//!
//! Both compute exactly the same floating-point operations as [`reverse`](super::reverse())
//! (the same steps from the same states), so their results are bit-identical to it.

use super::reverse::backward_step;
use super::{bytes_of, Dynamics, HyperError, Hypergradient, Memory, Stats, Validation};

/// How the checkpointed driver places its saved states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkpointing {
    /// Segments of `⌈√T⌉` steps: `O(√T)` states, at most `2T` steps.
    Sqrt,
    /// Binomial (Revolve) schedule with this many snapshots besides `s_0` (at least 1).
    Binomial {
        /// Snapshots available besides the initial state.
        snapshots: usize,
    },
}

struct Sweep<'a, D: Dynamics, V> {
    dynamics: &'a D,
    validation: &'a V,
    h: &'a D::Hyper,
    horizon: usize,
    memory: Memory,
    steps: usize,
    vjps: usize,
    value: f64,
    /// `(s̄, λ̄)`, created when the last step is first reached.
    adjoint: Option<(D::State, D::Hyper)>,
}

impl<D: Dynamics, V: Validation<D::State, D::Hyper>> Sweep<'_, D, V> {
    fn advance(&mut self, s: &D::State, from: usize, to: usize) -> D::State {
        let mut s = s.clone();
        for t in from..to {
            s = self.dynamics.step(&s, self.h, t);
            self.steps += 1;
        }
        s
    }

    /// Evaluates `E` at the final state.
    fn finish(&mut self, s_t: &D::State) {
        let (value, sb, hb) = self.validation.value_and_grad(s_t, self.h);
        self.value = value;
        self.adjoint = Some((sb, hb));
    }

    /// The adjoint step `t` at `s_t`; the first time the last step is reached, its
    /// output state is computed and `E` evaluated there first.
    fn back(&mut self, s: &D::State, t: usize) {
        if self.adjoint.is_none() {
            debug_assert_eq!(t + 1, self.horizon);
            let s_t = self.advance(s, t, t + 1);
            self.finish(&s_t);
        }
        let (sb, hb) = self.adjoint.as_mut().expect("evaluated at the last step");
        backward_step(self.dynamics, s, self.h, t, sb, hb);
        self.vjps += 1;
    }

    /// Reverses steps `a..b` given `s_a` (held by the caller) with `c` free snapshots.
    fn revolve(&mut self, sa: &D::State, a: usize, b: usize, c: usize) {
        let l = b - a;
        if l == 0 {
            return;
        }
        if l == 1 {
            self.back(sa, a);
            return;
        }
        if c == 0 {
            for t in (a..b).rev() {
                let st = self.advance(sa, a, t);
                self.back(&st, t);
            }
            return;
        }
        let mut r = 1;
        while binomial(c, r) < l as u128 {
            r += 1;
        }
        let right = (binomial(c - 1, r).min((l - 1) as u128)) as usize;
        let m = b - right;
        let sm = self.advance(sa, a, m);
        self.memory.store(1);
        self.revolve(&sm, m, b, c - 1);
        drop(sm);
        self.memory.release(1);
        self.revolve(sa, a, m, c);
    }
}

/// `C(c + r, c)`, saturating.
fn binomial(c: usize, r: usize) -> u128 {
    let mut acc: u128 = 1;
    for i in 1..=c.min(r) as u128 {
        let n = (c.max(r)) as u128 + i;
        acc = match acc.checked_mul(n) {
            Some(v) => v / i,
            None => return u128::MAX,
        };
    }
    acc
}

/// Reverse-HG with checkpointing. Same result as [`reverse`](super::reverse()), with
/// far fewer stored states (see the module documentation). Errors on a binomial
/// schedule with zero snapshots.
pub fn checkpointed<D, V>(
    dynamics: &D,
    validation: &V,
    s0: &D::State,
    h: &D::Hyper,
    steps: usize,
    scheme: Checkpointing,
) -> Result<Hypergradient<D::State, D::Hyper>, HyperError>
where
    D: Dynamics,
    V: Validation<D::State, D::Hyper>,
{
    let mut sweep = Sweep {
        dynamics,
        validation,
        h,
        horizon: steps,
        memory: Memory::default(),
        steps: 0,
        vjps: 0,
        value: f64::NAN,
        adjoint: None,
    };
    match scheme {
        Checkpointing::Sqrt => sqrt_sweep(&mut sweep, s0),
        Checkpointing::Binomial { snapshots } => {
            if snapshots == 0 {
                return Err(HyperError::InvalidArgument(
                    "binomial checkpointing needs at least 1 snapshot".into(),
                ));
            }
            sweep.memory.store(1); // s_0
            if steps == 0 {
                sweep.finish(s0);
            }
            sweep.revolve(s0, 0, steps, snapshots);
        }
    }
    let value = sweep.value;
    let (sb, hb) = sweep
        .adjoint
        .take()
        .expect("E evaluated at the final state");
    let peak = sweep.memory.peak();
    Ok(Hypergradient {
        value,
        grad: hb,
        initial_state_grad: Some(sb),
        stats: Stats {
            steps: sweep.steps,
            vjps: sweep.vjps,
            peak_states: peak,
            peak_bytes: peak * bytes_of(s0),
            ..Stats::default()
        },
    })
}

fn sqrt_sweep<D, V>(sweep: &mut Sweep<'_, D, V>, s0: &D::State)
where
    D: Dynamics,
    V: Validation<D::State, D::Hyper>,
{
    let steps = sweep.horizon;
    let k = ((steps as f64).sqrt().ceil() as usize).max(1);
    // Forward: checkpoints at t = 0, k, 2k, ... < T.
    let mut checkpoints = Vec::with_capacity(steps.div_ceil(k));
    let mut s = s0.clone();
    for start in (0..steps).step_by(k) {
        checkpoints.push(s.clone());
        sweep.memory.store(1);
        s = sweep.advance(&s, start, (start + k).min(steps));
    }
    sweep.finish(&s);
    drop(s);
    // Backward, segment by segment.
    let mut segment: Vec<D::State> = Vec::with_capacity(k);
    while let Some(first) = checkpoints.pop() {
        let start = checkpoints.len() * k;
        let end = (start + k).min(steps);
        segment.push(first);
        for t in start + 1..end {
            let next = sweep.advance(&segment[t - 1 - start], t - 1, t);
            segment.push(next);
            sweep.memory.store(1);
        }
        for t in (start..end).rev() {
            let st = segment.pop().expect("one state per step of the segment");
            sweep.back(&st, t);
            sweep.memory.release(1);
        }
    }
}
