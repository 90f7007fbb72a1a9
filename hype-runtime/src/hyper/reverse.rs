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
    let mut memory = Memory::default();
    let mut trajectory = Vec::with_capacity(steps + 1);
    trajectory.push(s0.clone());
    memory.store(1);
    for t in 0..steps {
        let next = dynamics.step(&trajectory[t], h, t);
        trajectory.push(next);
        memory.store(1);
    }
    let (value, mut sb, mut hb) = validation.value_and_grad(&trajectory[steps], h);
    for t in (0..steps).rev() {
        backward_step(dynamics, &trajectory[t], h, t, &mut sb, &mut hb);
    }
    Hypergradient {
        value,
        grad: hb,
        initial_state_grad: Some(sb),
        stats: Stats {
            steps,
            vjps: steps,
            peak_states: memory.peak(),
            peak_bytes: memory.peak() * bytes_of(s0),
            ..Stats::default()
        },
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
