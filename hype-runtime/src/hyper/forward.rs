//! Forward-HG (RFHO): forward-mode propagation of the tangents `Z_t = ds_t/dλ`.
//!
//! For every hyperparameter direction `e_i` (the unit vectors of the flat
//! representation of `λ`) the tangent of the state is carried along with training:
//!
//! ```text
//! Z_0 = 0,   Z_{t+1} = step_jvp(s_t, λ, t, Z_t, e_i)
//! dE/dλ_i = <∂E/∂s_T, Z_T> + ∂E/∂λ_i
//! ```
//!
//! Nothing of the trajectory is stored: memory is `m` state tangents for `m`
//! hyperparameters, time `T` steps plus `T·m` Jacobian–vector products. It is the
//! method of choice for few hyperparameters and long runs, and the basis of
//! [`rtho`](super::rtho()).

use super::{bytes_of, unit_like, Dynamics, Hypergradient, Stats, Validation};
use crate::tangent::Tangent;

/// The tangents `Z = ds/dλ` (one per flat hyperparameter) carried along training.
pub(crate) struct Tangents<D: Dynamics> {
    pub(crate) directions: Vec<D::Hyper>,
    pub(crate) z: Vec<D::State>,
}

impl<D: Dynamics> Tangents<D> {
    pub(crate) fn new(s0: &D::State, h: &D::Hyper) -> Self {
        let m = h.flat_len();
        Tangents {
            directions: (0..m).map(|i| unit_like(h, i)).collect(),
            z: (0..m).map(|_| s0.zero_like()).collect(),
        }
    }

    /// Advances the tangents over step `t` at state `s` (before the step) and returns
    /// the state after it.
    pub(crate) fn advance(
        &mut self,
        dynamics: &D,
        s: &D::State,
        h: &D::Hyper,
        t: usize,
    ) -> D::State {
        let (next, z) = dynamics.step_and_jvps(s, h, t, &self.z, &self.directions);
        self.z = z;
        next
    }

    /// `dE/dλ` from the partial gradients of `E` at the current state.
    pub(crate) fn hypergradient(&self, sb: &D::State, hb: &D::Hyper) -> D::Hyper {
        let total: ndarray::Array1<f64> = self.z.iter().map(|z| sb.inner(z)).collect();
        let mut g = hb
            .rebuild(&total)
            .expect("one tangent per flat hyperparameter");
        g.add_assign_tangent(hb);
        g
    }
}

/// Forward-HG: the hypergradient of `E(s_T, λ)` after `steps` steps from `s0`
/// (which does not depend on `λ`) by forward-mode tangent propagation.
pub fn forward<D, V>(
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
    let mut tangents = Tangents::<D>::new(s0, h);
    let m = tangents.z.len();
    let mut s = s0.clone();
    for t in 0..steps {
        s = tangents.advance(dynamics, &s, h, t);
    }
    let (value, sb, hb) = validation.value_and_grad(&s, h);
    Hypergradient {
        value,
        grad: tangents.hypergradient(&sb, &hb),
        initial_state_grad: None,
        stats: Stats {
            steps,
            jvps: steps * m,
            peak_states: m,
            peak_bytes: m * bytes_of(s0),
            ..Stats::default()
        },
    }
}

/// Forward mode in one direction: the final state `s_T` and its tangent along
/// `(ds0, dh)`, carried with training (`Z_0 = ds0`, `Z_{t+1} = step_jvp(s_t, λ, t, Z_t,
/// dλ)`). Forward-HG is this for every unit direction of `λ` at once; the forward rule
/// of [`train`](super::train()) is this.
pub fn directional<D: Dynamics>(
    dynamics: &D,
    s0: &D::State,
    ds0: &D::State,
    h: &D::Hyper,
    dh: &D::Hyper,
    steps: usize,
) -> (D::State, D::State) {
    let (mut s, mut z) = (s0.clone(), ds0.clone());
    for t in 0..steps {
        z = dynamics.step_jvp(&s, h, t, &z, dh);
        s = dynamics.step(&s, h, t);
    }
    (s, z)
}
