//! Reverse-HG over the full trajectory (RFHO; Domke 2012, Maclaurin et al. 2015
//! without reversibility).
//!
//! The forward sweep stores every state `s_0 .. s_T`; the backward sweep runs the
//! adjoint recursion
//!
//! ```text
//! s̄_T = ∂E/∂s_T,   λ̄ = ∂E/∂λ
//! (s̄_t, λ̄_t) = step_vjp(s_t, λ, t, s̄_{t+1}),   λ̄ += λ̄_t      for t = T-1 .. 0
//! ```
//!
//! Cost: `T` steps and `T` vector–Jacobian products; memory: `T + 1` states. The
//! result also carries `dE/ds_0`.

use super::{bytes_of, Dynamics, Hypergradient, Memory, Stats, Validation};
use crate::tangent::Tangent;

/// Reverse-HG: the hypergradient of `E(s_T, λ)` after `steps` steps from `s0`,
/// storing the whole trajectory.
pub fn reverse<D, V>(
    dynamics: &D,
    validation: &V,
    s0: &D::State,
    h: &D::Hyper,
    steps: usize,
) -> Hypergradient<D::State, D::Hyper>
where
    D: Dynamics,
    V: Validation<D::State, D::Hyper>,
{
    let trajectory = Trajectory::record(dynamics, s0, h, steps);
    let (value, sb, hb) = validation.value_and_grad(trajectory.last(), h);
    let (sb, hb) = trajectory.backward(dynamics, h, sb, hb);
    Hypergradient {
        value,
        grad: hb,
        initial_state_grad: Some(sb),
        stats: Stats {
            steps,
            vjps: steps,
            peak_states: trajectory.memory.peak(),
            peak_bytes: trajectory.memory.peak() * bytes_of(s0),
            ..Stats::default()
        },
    }
}

/// The two sweeps of Reverse-HG taken apart, for callers that learn the cotangent of
/// the final state only after the forward sweep (the reverse rule of
/// [`train`](super::train())): [`Trajectory::record`] stores `s_0 .. s_T`,
/// [`Trajectory::backward`] runs the adjoint recursion from any `(s̄_T, λ̄)`.
pub struct Trajectory<S> {
    states: Vec<S>,
    memory: Memory,
}

impl<S: Tangent> Trajectory<S> {
    /// The forward sweep: `steps` steps from `s0`, every state kept.
    pub fn record<D: Dynamics<State = S>>(
        dynamics: &D,
        s0: &S,
        h: &D::Hyper,
        steps: usize,
    ) -> Self {
        let mut memory = Memory::default();
        let mut states = Vec::with_capacity(steps + 1);
        states.push(s0.clone());
        memory.store(1);
        for t in 0..steps {
            let next = dynamics.step(&states[t], h, t);
            states.push(next);
            memory.store(1);
        }
        Trajectory { states, memory }
    }

    /// The final state `s_T`.
    pub fn last(&self) -> &S {
        self.states.last().expect("a trajectory holds s_0")
    }

    /// Steps recorded.
    pub fn steps(&self) -> usize {
        self.states.len() - 1
    }

    /// The backward sweep from the cotangent `sb` of `s_T` and the partial `hb` of the
    /// hyperparameters: `(dE/ds_0, dE/dλ)`.
    pub fn backward<D: Dynamics<State = S>>(
        &self,
        dynamics: &D,
        h: &D::Hyper,
        mut sb: S,
        mut hb: D::Hyper,
    ) -> (S, D::Hyper) {
        for t in (0..self.steps()).rev() {
            backward_step(dynamics, &self.states[t], h, t, &mut sb, &mut hb);
        }
        (sb, hb)
    }
}

/// One step of the adjoint recursion: `s̄ ← ∂Φ_t/∂s ᵀ s̄`, `λ̄ += ∂Φ_t/∂λ ᵀ s̄`.
pub(crate) fn backward_step<D: Dynamics>(
    dynamics: &D,
    s: &D::State,
    h: &D::Hyper,
    t: usize,
    sb: &mut D::State,
    hb: &mut D::Hyper,
) {
    let (s_prev, h_t) = dynamics.step_vjp(s, h, t, sb);
    *sb = s_prev;
    hb.add_assign_tangent(&h_t);
}
