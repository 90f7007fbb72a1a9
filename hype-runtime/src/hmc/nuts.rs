//! The No-U-Turn Sampler (Hoffman and Gelman 2014) in its multinomial form with the
//! generalized no-U-turn criterion, as Stan implements it (Betancourt 2017, "A
//! Conceptual Introduction to Hamiltonian Monte Carlo", appendix A; Stan's
//! `base_nuts`): the trajectory doubles forwards or backwards in time until its ends
//! (and those of its sub-trajectories, also across the joins) start to turn back;
//! the next state is drawn from the whole trajectory with weights `exp(-H)`, biased
//! towards the latest doubling at the top level.

use super::kernel::{Kernel, Transition, WeightedPoints};
use super::leapfrog::{leapfrog, PhasePoint};
use super::mass::Metric;
use super::rng::SamplerRng;
use super::static_hmc::MAX_ENERGY_ERROR;
use super::target::LogDensity;
use ndarray::Array1;

/// NUTS with a maximum tree depth (at most `2^max_depth - 1` leapfrog steps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nuts {
    /// Maximum number of doublings (Stan and blackjax: 10).
    pub max_depth: usize,
}

impl Default for Nuts {
    fn default() -> Self {
        Nuts { max_depth: 10 }
    }
}

/// `log(exp(a) + exp(b))`.
fn log_sum_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// The generalized no-U-turn criterion: both end velocities point along the summed
/// momentum `rho`.
fn no_u_turn(p_sharp_minus: &Array1<f64>, p_sharp_plus: &Array1<f64>, rho: &Array1<f64>) -> bool {
    p_sharp_plus.dot(rho) > 0.0 && p_sharp_minus.dot(rho) > 0.0
}

/// The state shared by the recursion of one transition.
struct Tree<'a, T: ?Sized> {
    target: &'a T,
    metric: &'a Metric,
    eps: f64,
    h0: f64,
    n_grad: usize,
    sum_metro_prob: f64,
    divergent: bool,
    /// Each leaf's log weight `H_0 - H` and position, when the caller wants the
    /// trajectory ([`Kernel::transition_weighted`]).
    leaves: Option<Vec<(f64, Array1<f64>)>>,
}

/// The ends of a (sub)trajectory in the direction of integration.
struct Ends {
    p_sharp_beg: Array1<f64>,
    p_sharp_end: Array1<f64>,
    p_beg: Array1<f64>,
    p_end: Array1<f64>,
}

impl<T: LogDensity + ?Sized> Tree<'_, T> {
    /// Builds a subtree of `2^depth` leapfrog steps from `z` (moved to its far end) in
    /// direction `sign`; adds its summed momentum to `rho` and its log weight to
    /// `log_sum_weight`, leaves its sample in `z_propose` and returns its ends, or
    /// `None` when it diverged or turned back.
    #[allow(clippy::too_many_arguments)]
    fn build(
        &mut self,
        depth: usize,
        z: &mut PhasePoint,
        z_propose: &mut PhasePoint,
        rho: &mut Array1<f64>,
        log_sum_weight: &mut f64,
        sign: f64,
        rng: &mut SamplerRng,
    ) -> Option<Ends> {
        if depth == 0 {
            leapfrog(self.target, self.metric, z, sign * self.eps);
            self.n_grad += 1;
            let h = z.hamiltonian(self.metric);
            if !h.is_finite() || h - self.h0 > MAX_ENERGY_ERROR {
                self.divergent = true;
                return None;
            }
            let log_w = self.h0 - h;
            *log_sum_weight = log_sum_exp(*log_sum_weight, log_w);
            self.sum_metro_prob += if log_w > 0.0 { 1.0 } else { log_w.exp() };
            if let Some(leaves) = &mut self.leaves {
                leaves.push((log_w, z.q.clone()));
            }
            *z_propose = z.clone();
            let p_sharp = self.metric.velocity(&z.p);
            *rho += &z.p;
            return Some(Ends {
                p_sharp_beg: p_sharp.clone(),
                p_sharp_end: p_sharp,
                p_beg: z.p.clone(),
                p_end: z.p.clone(),
            });
        }
        // The left half (first in the direction of integration).
        let dim = z.q.len();
        let mut rho_left = Array1::<f64>::zeros(dim);
        let mut lsw_left = f64::NEG_INFINITY;
        let left = self.build(
            depth - 1,
            z,
            z_propose,
            &mut rho_left,
            &mut lsw_left,
            sign,
            rng,
        )?;
        // The right half, with its own sample.
        let mut z_propose_right = z.clone();
        let mut rho_right = Array1::<f64>::zeros(dim);
        let mut lsw_right = f64::NEG_INFINITY;
        let right = self.build(
            depth - 1,
            z,
            &mut z_propose_right,
            &mut rho_right,
            &mut lsw_right,
            sign,
            rng,
        )?;
        // Uniform progressive sampling inside a subtree.
        let lsw_subtree = log_sum_exp(lsw_left, lsw_right);
        *log_sum_weight = log_sum_exp(*log_sum_weight, lsw_subtree);
        if lsw_right > lsw_subtree || rng.uniform() < (lsw_right - lsw_subtree).exp() {
            *z_propose = z_propose_right;
        }
        let rho_subtree = &rho_left + &rho_right;
        *rho += &rho_subtree;
        // The subtree, and each half extended by the first point of the other.
        let mut persist = no_u_turn(&left.p_sharp_beg, &right.p_sharp_end, &rho_subtree);
        let rho_ext = &rho_left + &right.p_beg;
        persist &= no_u_turn(&left.p_sharp_beg, &right.p_sharp_beg, &rho_ext);
        let rho_ext = &rho_right + &left.p_end;
        persist &= no_u_turn(&left.p_sharp_end, &right.p_sharp_end, &rho_ext);
        if !persist {
            return None;
        }
        Some(Ends {
            p_sharp_beg: left.p_sharp_beg,
            p_sharp_end: right.p_sharp_end,
            p_beg: left.p_beg,
            p_end: right.p_end,
        })
    }
}

impl Nuts {
    /// One transition; with `points`, also the final trajectory's positions and their
    /// multinomial weights.
    fn run<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
        points: Option<&mut WeightedPoints>,
    ) -> Transition {
        z.p = metric.sample_momentum(rng);
        let h0 = z.hamiltonian(metric);
        let mut tree = Tree {
            target,
            metric,
            eps,
            h0,
            n_grad: 0,
            sum_metro_prob: 0.0,
            divergent: false,
            // The initial point has weight exp(H0 - H0) = 1.
            leaves: points.is_some().then(|| vec![(0.0, z.q.clone())]),
        };
        let p_sharp = metric.velocity(&z.p);
        // Backward (bck) and forward (fwd) ends of the whole trajectory, and the
        // innermost points next to the join of its two sides.
        let (mut z_fwd, mut z_bck) = (z.clone(), z.clone());
        let mut p_sharp_fwd_bck = p_sharp.clone();
        let mut p_sharp_fwd_fwd = p_sharp.clone();
        let mut p_sharp_bck_fwd = p_sharp.clone();
        let mut p_sharp_bck_bck = p_sharp;
        let mut p_fwd_bck = z.p.clone();
        let mut p_bck_fwd = z.p.clone();
        let mut rho = z.p.clone();
        let mut log_sum_weight = 0.0; // the initial point's weight exp(H0 - H0)
        let mut sample = z.clone();
        let mut depth = 0;
        let dim = z.q.len();
        while depth < self.max_depth {
            let mut z_propose = z.clone();
            let mut rho_fwd = Array1::<f64>::zeros(dim);
            let mut rho_bck = Array1::<f64>::zeros(dim);
            let mut lsw_subtree = f64::NEG_INFINITY;
            let kept = tree.leaves.as_ref().map_or(0, Vec::len);
            let valid = if rng.uniform() > 0.5 {
                rho_bck.assign(&rho);
                p_bck_fwd.assign(&p_fwd_bck);
                p_sharp_bck_fwd.assign(&p_sharp_fwd_bck);
                let ends = tree.build(
                    depth,
                    &mut z_fwd,
                    &mut z_propose,
                    &mut rho_fwd,
                    &mut lsw_subtree,
                    1.0,
                    rng,
                );
                match ends {
                    Some(e) => {
                        p_sharp_fwd_bck = e.p_sharp_beg;
                        p_sharp_fwd_fwd = e.p_sharp_end;
                        p_fwd_bck = e.p_beg;
                        true
                    }
                    None => false,
                }
            } else {
                rho_fwd.assign(&rho);
                p_fwd_bck.assign(&p_bck_fwd);
                p_sharp_fwd_bck.assign(&p_sharp_bck_fwd);
                let ends = tree.build(
                    depth,
                    &mut z_bck,
                    &mut z_propose,
                    &mut rho_bck,
                    &mut lsw_subtree,
                    -1.0,
                    rng,
                );
                match ends {
                    Some(e) => {
                        p_sharp_bck_fwd = e.p_sharp_beg;
                        p_sharp_bck_bck = e.p_sharp_end;
                        p_bck_fwd = e.p_beg;
                        true
                    }
                    None => false,
                }
            };
            if !valid {
                // A subtree that diverged or turned back is no part of the trajectory.
                if let Some(leaves) = &mut tree.leaves {
                    leaves.truncate(kept);
                }
                break;
            }
            depth += 1;
            // Biased progressive sampling at the top: prefer the new half.
            if lsw_subtree > log_sum_weight || rng.uniform() < (lsw_subtree - log_sum_weight).exp()
            {
                sample = z_propose;
            }
            log_sum_weight = log_sum_exp(log_sum_weight, lsw_subtree);
            rho = &rho_bck + &rho_fwd;
            let mut persist = no_u_turn(&p_sharp_bck_bck, &p_sharp_fwd_fwd, &rho);
            let rho_ext = &rho_bck + &p_fwd_bck;
            persist &= no_u_turn(&p_sharp_bck_bck, &p_sharp_fwd_bck, &rho_ext);
            let rho_ext = &rho_fwd + &p_bck_fwd;
            persist &= no_u_turn(&p_sharp_bck_fwd, &p_sharp_fwd_fwd, &rho_ext);
            if !persist {
                break;
            }
        }
        *z = sample;
        if let (Some(points), Some(leaves)) = (points, tree.leaves) {
            points.clear();
            for (log_w, q) in leaves {
                points.push(q, (log_w - log_sum_weight).exp());
            }
        }
        let accept_prob = if tree.n_grad > 0 {
            tree.sum_metro_prob / tree.n_grad as f64
        } else {
            0.0
        };
        Transition {
            accept_prob,
            divergent: tree.divergent,
            n_grad: tree.n_grad,
            depth,
        }
    }
}

impl Kernel for Nuts {
    fn transition<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
    ) -> Transition {
        self.run(target, metric, eps, z, rng, None)
    }

    /// The multinomial weights `exp(-H_i) / Σ_j exp(-H_j)` over every point of the final
    /// trajectory (the subtree that ended it by diverging or turning back excluded):
    /// given the trajectory, the starting point has exactly this distribution, so the
    /// weighted average of `f` is an unbiased estimate of `E[f]` whichever point the
    /// biased progressive sampling moves to.
    fn transition_weighted<T: LogDensity + ?Sized>(
        &self,
        target: &T,
        metric: &Metric,
        eps: f64,
        z: &mut PhasePoint,
        rng: &mut SamplerRng,
        points: &mut WeightedPoints,
    ) -> Transition {
        self.run(target, metric, eps, z, rng, Some(points))
    }
}
