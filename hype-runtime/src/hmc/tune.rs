//! Hypergradient tuning: the log step size and the diagonal inverse mass matrix of
//! static HMC learned by gradient ascent on a sampler objective differentiated through
//! the leapfrog trajectory.
//!
//! The objective (Pasarica and Gelman 2010's expected squared jumped distance, per
//! coordinate and in logarithms so that it does not depend on the scale of each
//! coordinate) over a batch of `B` trajectories of `L` leapfrog steps from positions
//! `q_b` with standard normal draws `z_b`:
//!
//! `J(log ε, s) = (1/d) Σ_i log( (1/B) Σ_b α_b (q_{L,b,i} - q_{0,b,i})² )`,
//!
//! with `M⁻¹ = diag(exp(s))`, initial momenta `p_0 = exp(-s/2) ⊙ z_b` (the
//! reparameterization that makes the draw differentiable) and the Metropolis acceptance
//! probability `α_b = min(1, exp(H_0 - H_L))`. Its gradient is one reverse sweep along
//! each stored trajectory: the adjoint of every gradient `∇ log π(q_k)` the leapfrog
//! used reaches `q_k` through the Hessian of `log π`, `∇² log π(q_k) · ḡ` — nested AD:
//! the Hessian-vector product that the transform generates for a
//! `#[differentiable(order = 2)]` log density ([`density_with_hvp`](super::density_with_hvp)).
//! A trajectory whose Hamiltonian stops being finite contributes `α_b = 0`.

use super::error::HmcError;
use super::leapfrog::{leapfrog, PhasePoint};
use super::mass::Metric;
use super::rng::SamplerRng;
use super::target::LogDensity;
use super::walkers;
use crate::optim::adaptive::adam;
use crate::optim::AdamParams;
use ndarray::Array1;

/// The tuning objective and its gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveGrad {
    /// `J`.
    pub value: f64,
    /// `∂J/∂ log ε`.
    pub d_log_step: f64,
    /// `∂J/∂s` with `M⁻¹ = diag(exp(s))`.
    pub d_log_inv_mass: Array1<f64>,
    /// The acceptance probability of each trajectory.
    pub accept: Vec<f64>,
    /// The end point of each trajectory (where it started when it diverged).
    pub ends: Vec<PhasePoint>,
    /// Gradient evaluations and Hessian-vector products spent.
    pub n_grad: usize,
    /// Hessian-vector products spent.
    pub n_hvp: usize,
}

/// One stored trajectory.
struct Trajectory {
    qs: Vec<Array1<f64>>,
    gs: Vec<Array1<f64>>,
    p_halves: Vec<Array1<f64>>,
    p0: Array1<f64>,
    end: PhasePoint,
    alpha: f64,
}

/// `J` and its gradient at `(log_step, log_inv_mass)` for trajectories of `steps`
/// leapfrog steps from the points `starts` (with their log densities and gradients)
/// and momentum draws `zs` (standard normal, one per start).
pub fn objective_grad<T: LogDensity + ?Sized>(
    target: &T,
    starts: &[PhasePoint],
    zs: &[Array1<f64>],
    log_step: f64,
    log_inv_mass: &Array1<f64>,
    steps: usize,
) -> Result<ObjectiveGrad, HmcError> {
    let d = target.dim();
    if log_inv_mass.len() != d {
        return Err(HmcError::Dimension {
            what: "the log inverse mass diagonal",
            expected: d,
            found: log_inv_mass.len(),
        });
    }
    walkers::check_batch(d, starts, zs)?;
    let eps = log_step.exp();
    let m = log_inv_mass.mapv(f64::exp);
    let metric = Metric::inverse_diagonal(m.clone())?;
    let b = starts.len();
    let mut n_grad = 0;
    let mut trajs = Vec::with_capacity(b);
    for (start, z) in starts.iter().zip(zs) {
        let mut y = start.clone();
        y.p = z / &m.mapv(f64::sqrt);
        let p0 = y.p.clone();
        let h0 = y.hamiltonian(&metric);
        let mut qs = vec![y.q.clone()];
        let mut gs = vec![y.grad.clone()];
        let mut p_halves = Vec::with_capacity(steps);
        let mut finite = h0.is_finite();
        for _ in 0..steps {
            if !finite {
                break;
            }
            p_halves.push(&y.p + &(0.5 * eps * &y.grad));
            leapfrog(target, &metric, &mut y, eps);
            n_grad += 1;
            finite = y.hamiltonian(&metric).is_finite();
            qs.push(y.q.clone());
            gs.push(y.grad.clone());
        }
        let alpha = if finite {
            (h0 - y.hamiltonian(&metric)).exp().min(1.0)
        } else {
            0.0
        };
        trajs.push(Trajectory {
            qs,
            gs,
            p_halves,
            p0,
            end: if finite { y } else { start.clone() },
            alpha,
        });
    }
    // S_i = mean_b α_b Δq_{b,i}².
    let mut s = Array1::<f64>::zeros(d);
    for t in &trajs {
        if t.alpha > 0.0 {
            let dq = &t.end.q - &t.qs[0];
            s.scaled_add(t.alpha / b as f64, &(&dq * &dq));
        }
    }
    let value = s.mapv(f64::ln).sum() / d as f64;
    let mut d_le = 0.0;
    let mut d_s = Array1::<f64>::zeros(d);
    let mut n_hvp = 0;
    if s.iter().all(|v| *v > 0.0) {
        let c = s.mapv(|si| 1.0 / (d as f64 * b as f64 * si));
        for t in trajs.iter().filter(|t| t.alpha > 0.0) {
            let (lens, hv) = backward(target, t, &c, eps, &m)?;
            n_hvp += hv;
            d_le += lens.0;
            d_s += &lens.1;
        }
    }
    Ok(ObjectiveGrad {
        value,
        d_log_step: d_le,
        d_log_inv_mass: d_s,
        accept: trajs.iter().map(|t| t.alpha).collect(),
        ends: trajs.into_iter().map(|t| t.end).collect(),
        n_grad,
        n_hvp,
    })
}

/// The reverse sweep of one trajectory for `α Σ_i c_i Δq_i²`: returns
/// `(∂/∂ log ε, ∂/∂s)` and the Hessian-vector products spent.
#[allow(clippy::type_complexity)]
fn backward<T: LogDensity + ?Sized>(
    target: &T,
    t: &Trajectory,
    c: &Array1<f64>,
    eps: f64,
    m: &Array1<f64>,
) -> Result<((f64, Array1<f64>), usize), HmcError> {
    let steps = t.p_halves.len();
    let q0 = &t.qs[0];
    let (ql, pl, gl) = (&t.end.q, &t.end.p, &t.end.grad);
    let dq = ql - q0;
    let jump = (c * &dq * &dq).sum();
    let alpha = t.alpha;
    // Seeds from α · jump: the jump's gradient, and α's where α = exp(H0 - HL) < 1.
    let mut q_bar = 2.0 * alpha * c * &dq;
    let mut p_bar = Array1::<f64>::zeros(q0.len());
    let mut m_bar = Array1::<f64>::zeros(q0.len());
    if alpha < 1.0 {
        q_bar.scaled_add(jump * alpha, gl);
        p_bar.scaled_add(-jump * alpha, &(m * pl));
        m_bar.scaled_add(-0.5 * jump * alpha, &(pl * pl));
    }
    let mut eps_bar = 0.0;
    // The adjoint of g_{k+1} from its use in the next half step of momentum.
    let mut g_pending = Array1::<f64>::zeros(q0.len());
    let mut n_hvp = 0;
    for k in (0..steps).rev() {
        // p_{k+1} = p_h + ε/2 g_{k+1}
        let g_bar = &g_pending + &(0.5 * eps * &p_bar);
        eps_bar += 0.5 * t.gs[k + 1].dot(&p_bar);
        let mut ph_bar = p_bar;
        // g_{k+1} = ∇ log π(q_{k+1}): the adjoint reaches q_{k+1} through the Hessian.
        let hv = walkers::hvp(target, &t.qs[k + 1], &g_bar)?;
        n_hvp += 1;
        q_bar += &hv;
        // q_{k+1} = q_k + ε m ⊙ p_h
        let ph = &t.p_halves[k];
        eps_bar += (m * ph).dot(&q_bar);
        m_bar.scaled_add(eps, &(ph * &q_bar));
        ph_bar.scaled_add(eps, &(m * &q_bar));
        // p_h = p_k + ε/2 g_k
        eps_bar += 0.5 * t.gs[k].dot(&ph_bar);
        g_pending = 0.5 * eps * &ph_bar;
        p_bar = ph_bar;
    }
    // p_0 = exp(-s/2) ⊙ z and M⁻¹ = exp(s).
    let d_s = &m_bar * m - 0.5 * &(&p_bar * &t.p0);
    Ok(((eps_bar * eps, d_s), n_hvp))
}

/// Settings of [`tune`].
#[derive(Debug, Clone, PartialEq)]
pub struct TuneSettings {
    /// Leapfrog steps per trajectory.
    pub steps: usize,
    /// Ascent iterations.
    pub iterations: usize,
    /// Adam's rate on `(log ε, s)`.
    pub learning_rate: f64,
    /// Seed of the momentum draws and Metropolis decisions.
    pub seed: u64,
}

impl Default for TuneSettings {
    fn default() -> Self {
        TuneSettings {
            steps: 10,
            iterations: 300,
            learning_rate: 0.05,
            seed: 0,
        }
    }
}

/// What [`tune`] learned.
#[derive(Debug, Clone)]
pub struct Tuned {
    /// The step size `ε`.
    pub step_size: f64,
    /// The diagonal metric `M⁻¹ = diag(exp(s))`.
    pub metric: Metric,
    /// The walkers where tuning left them (HMC moves with the current parameters).
    pub walkers: Vec<Array1<f64>>,
    /// `J` at each iteration.
    pub history: Vec<f64>,
    /// Mean acceptance probability at each iteration.
    pub acceptance: Vec<f64>,
    /// Gradient evaluations spent.
    pub n_grad: usize,
    /// Hessian-vector products spent.
    pub n_hvp: usize,
}

/// Tunes `(log ε, s)` of static HMC with `settings.steps` leapfrog steps by Adam ascent
/// on `J` (see the module documentation), one walker per starting point in `init`: each
/// iteration draws fresh momenta, differentiates `J` through the walkers' trajectories
/// and moves each walker to its trajectory's end with the Metropolis probability (so
/// the walkers are HMC chains under the current parameters). Starts from `M = I` and
/// the step size of Stan's heuristic.
pub fn tune<T: LogDensity + ?Sized>(
    target: &T,
    init: &[Array1<f64>],
    settings: &TuneSettings,
) -> Result<Tuned, HmcError> {
    let d = target.dim();
    let mut rng = SamplerRng::new(settings.seed);
    let (mut walkers, eps0, mut n_grad) = walkers::start(target, init, &mut rng)?;
    let mut theta = Array1::<f64>::zeros(d + 1);
    theta[0] = eps0.ln();
    let (mut first, mut second) = (Array1::zeros(d + 1), Array1::zeros(d + 1));
    let hp = AdamParams {
        lr: settings.learning_rate,
        ..AdamParams::default()
    };
    let mut history = Vec::with_capacity(settings.iterations);
    let mut acceptance = Vec::with_capacity(settings.iterations);
    let mut n_hvp = 0;
    for it in 0..settings.iterations {
        let zs: Vec<Array1<f64>> = walkers.iter().map(|_| rng.normals(d)).collect();
        let s = theta.slice(ndarray::s![1..]).to_owned();
        let r = objective_grad(target, &walkers, &zs, theta[0], &s, settings.steps)?;
        n_grad += r.n_grad;
        n_hvp += r.n_hvp;
        acceptance.push(walkers::metropolis(
            &mut walkers,
            &r.ends,
            &r.accept,
            &mut rng,
        ));
        history.push(r.value);
        if !r.value.is_finite() {
            // Every trajectory of some coordinate was rejected: halve the step.
            theta[0] -= std::f64::consts::LN_2;
            continue;
        }
        let mut g = Array1::<f64>::zeros(d + 1);
        g[0] = r.d_log_step;
        g.slice_mut(ndarray::s![1..]).assign(&r.d_log_inv_mass);
        // Ascent: minimize -J, whose gradient is -g and descent direction g.
        let (step, f, v) = adam(&(-&g), &g, &first, &second, it, &hp);
        first = f;
        second = v;
        theta += &step;
    }
    let s = theta.slice(ndarray::s![1..]).mapv(f64::exp);
    Ok(Tuned {
        step_size: theta[0].exp(),
        metric: Metric::inverse_diagonal(s)?,
        walkers: walkers.into_iter().map(|w| w.q).collect(),
        history,
        acceptance,
        n_grad,
        n_hvp,
    })
}
