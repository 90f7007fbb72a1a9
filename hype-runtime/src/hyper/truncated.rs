//! Truncated Reverse-HG: back-propagation through the last `K` steps only
//! (Shaban et al. 2019).
//!
//! The first `T - K` steps run without storing anything; the last `K` states are
//! kept and the adjoint recursion of [`reverse`](super::reverse()) runs over them.
//! The result is a biased, cheaper hypergradient (`K + 1` states, `K` VJPs) that
//! equals the full Reverse-HG when `K = T`. The initial-state gradient is reported
//! only when `K = T` (otherwise it is that of `s_{T-K}`, not `s_0`, and is left out).

use super::reverse::backward_step;
use super::{bytes_of, Dynamics, HyperError, Hypergradient, Memory, Stats, Validation};

/// Reverse-HG through the last `k` of `steps` steps. Errors when `k > steps`.
pub fn truncated<D, V>(
    dynamics: &D,
    validation: &V,
    s0: &D::State,
    h: &D::Hyper,
    steps: usize,
    k: usize,
) -> Result<Hypergradient<D::State, D::Hyper>, HyperError>
where
    D: Dynamics,
    V: Validation<D::State, D::Hyper>,
{
    if k > steps {
        return Err(HyperError::InvalidArgument(format!(
            "truncation length K = {k} exceeds the number of steps T = {steps}"
        )));
    }
    let start = steps - k;
    let mut memory = Memory::default();
    let mut s = s0.clone();
    for t in 0..start {
        s = dynamics.step(&s, h, t);
    }
    let mut tail = Vec::with_capacity(k + 1);
    tail.push(s);
    memory.store(1);
    for t in start..steps {
        let next = dynamics.step(&tail[t - start], h, t);
        tail.push(next);
        memory.store(1);
    }
    let (value, mut sb, mut hb) = validation.value_and_grad(&tail[k], h);
    for t in (start..steps).rev() {
        backward_step(dynamics, &tail[t - start], h, t, &mut sb, &mut hb);
    }
    Ok(Hypergradient {
        value,
        grad: hb,
        initial_state_grad: (k == steps).then_some(sb),
        stats: Stats {
            steps,
            vjps: k,
            peak_states: memory.peak(),
            peak_bytes: memory.peak() * bytes_of(s0),
            ..Stats::default()
        },
    })
}
