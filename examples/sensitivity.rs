//! Derivatives of a whole training run, in two uses, on the bundled MNIST digits.
//!
//! (a) **Influence of training examples.** Softmax regression is trained by full-batch
//! gradient descent on `Σ_i (1 + ε_i) ℓ_i / n`. The derivative of the trained model's
//! validation loss with respect to every weight `ε_i` at `ε = 0` comes from one
//! reverse pass through the unrolled training loop (`grad!` of the training loss inside
//! a `#[differentiable]` body; its adjoint is a Hessian-vector product per step). The
//! most helpful (negative) and most harmful (positive) examples are printed, a few are
//! checked against retraining with `ε_i = ±h`, all against the library's Reverse-HG
//! driver (`hyper::reverse` over `grad!`/`hvp!` of the same loss), and the first-order prediction of
//! dropping the most harmful examples is compared with actually retraining without
//! them.
//!
//! (b) **Double backpropagation.** A tanh network is trained on
//! `L(θ) + β P(θ)`, where `P = n ‖∂L/∂x‖²` is the mean squared norm of each example's
//! loss gradient with respect to its input pixels, written with `grad!` inside the
//! `#[differentiable]` objective. The gradient of that objective is checked against
//! central differences, and the penalty falls while the network keeps fitting.
//!
//! Run: `cargo run --release --example sensitivity`

use hype::data::mnist;
use hype::hyper::{self, GradientDescent, InnerLoss, StepHyper};
use hype::nn::{classification_error, Init};
use hype::prelude::*;
use hype::Tangent;

// ---------- (a) influence of training examples ----------

/// The weighted training loss: mean over examples of `(1 + ε_i)` times the
/// cross-entropy of example `i`; `theta` is `785 × 10` (weights, then the bias row,
/// against a column of ones appended to the inputs). Order 2: the training loop below
/// differentiates its gradient.
#[differentiable(order = 2)]
fn weighted_loss(
    theta: &Array2<f64>,
    eps: &Array1<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
) -> f64 {
    let logp = ops::log_softmax(&x.dot(theta));
    let per_example = -(y * &logp).sum_axis(Axis(1));
    ((eps + 1.0) * &per_example).sum() / (x.nrows() as f64)
}

/// Validation loss after `steps` steps of gradient descent (rate `lr`) on the
/// training loss weighted by `eps`, from `theta0`.
#[differentiable]
#[allow(clippy::too_many_arguments)]
fn validation_after_training(
    eps: &Array1<f64>,
    #[constant] theta0: &Array2<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
    #[constant] xv: &Array2<f64>,
    #[constant] yv: &Array2<f64>,
    #[constant] lr: f64,
    #[constant] steps: usize,
) -> f64 {
    let mut theta = theta0.clone();
    for _t in 0..steps {
        let g = grad!(weighted_loss)(&theta, eps, x, y).0;
        theta = theta - lr * g;
    }
    ops::cross_entropy_on_linear(&xv.dot(&theta), yv)
}

/// The same training run, returning the parameters (for error rates).
fn train_softmax(
    eps: &Array1<f64>,
    x: &Array2<f64>,
    y: &Array2<f64>,
    lr: f64,
    steps: usize,
) -> Array2<f64> {
    let mut theta = Array2::zeros((x.ncols(), y.ncols()));
    for _ in 0..steps {
        let g = grad!(weighted_loss)(&theta, eps, x, y).0;
        theta = theta - lr * g;
    }
    theta
}

/// The validation loss of the parameters `theta`.
#[differentiable]
fn validation_loss(
    theta: &Array2<f64>,
    #[constant] xv: &Array2<f64>,
    #[constant] yv: &Array2<f64>,
) -> f64 {
    ops::cross_entropy_on_linear(&xv.dot(theta), yv)
}

/// The same training loss seen by the `hype::hyper` drivers: flat parameters, the
/// example weights as the loss's hyperparameters, derivatives from `grad!`/`hvp!`.
struct WeightedLoss {
    x: Array2<f64>,
    y: Array2<f64>,
}

impl WeightedLoss {
    fn matrix(&self, w: &Array1<f64>) -> Array2<f64> {
        w.clone()
            .into_shape_with_order((self.x.ncols(), self.y.ncols()))
            .expect("flat parameters of the right length")
    }
}

impl InnerLoss for WeightedLoss {
    type Hyper = Array1<f64>;
    fn gradient(&self, w: &Array1<f64>, eps: &Array1<f64>) -> Array1<f64> {
        let g = grad!(weighted_loss)(&self.matrix(w), eps, &self.x, &self.y).0;
        Tangent::flatten(&g)
    }
    fn gradient_vjp(
        &self,
        w: &Array1<f64>,
        eps: &Array1<f64>,
        v: &Array1<f64>,
    ) -> (Array1<f64>, Array1<f64>) {
        // The Hessian is symmetric: direction (v, 0) gives (H_ww v, H_εw v).
        let zero = Array1::zeros(eps.len());
        let (hw, he) = hvp!(weighted_loss)(
            &self.matrix(w),
            eps,
            &self.x,
            &self.y,
            &self.matrix(v),
            &zero,
        );
        (Tangent::flatten(&hw), he)
    }
    fn gradient_jvp(
        &self,
        w: &Array1<f64>,
        eps: &Array1<f64>,
        dw: &Array1<f64>,
        deps: &Array1<f64>,
    ) -> Array1<f64> {
        let (hw, _) = hvp!(weighted_loss)(
            &self.matrix(w),
            eps,
            &self.x,
            &self.y,
            &self.matrix(dw),
            deps,
        );
        Tangent::flatten(&hw)
    }
}

/// Inputs with a column of ones appended (the bias).
fn with_ones(x: &Array2<f64>) -> Array2<f64> {
    ndarray::concatenate(Axis(1), &[x.view(), Array2::ones((x.nrows(), 1)).view()])
        .expect("same number of rows")
}

/// One example's influence, by reverse mode and by central differences.
pub struct Checked {
    pub index: usize,
    pub reverse: f64,
    pub fd: f64,
}

/// What part (a) measures.
pub struct Influence {
    /// `d E_val / d ε_i` for every training example.
    pub grad: Array1<f64>,
    /// Validation loss of the run with `ε = 0`.
    pub val_loss: f64,
    /// Influences recomputed by retraining with `ε_i = ±h`.
    pub checked: Vec<Checked>,
    /// Dropping the `k` most harmful examples (`ε_i = -1`): the change of validation
    /// loss predicted to first order, and the change measured by retraining.
    pub dropped: usize,
    pub predicted_change: f64,
    pub actual_change: f64,
    /// Validation error before and after dropping them.
    pub val_error: (f64, f64),
    /// The largest difference between the influences of the unrolled macro gradient
    /// and of `hyper::reverse`, relative to the largest influence.
    pub driver_difference: f64,
    /// `dE/d(learning rate)` from the same `hyper::reverse` run.
    pub lr_grad: f64,
}

/// Indices sorted by influence, most helpful (most negative) first.
fn by_influence(g: &Array1<f64>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by(|&a, &b| g[a].total_cmp(&g[b]));
    order
}

/// Part (a) on `n_train` training and `n_val` validation digits, `steps` steps.
pub fn influence(n_train: usize, n_val: usize, steps: usize, verbose: bool) -> Influence {
    let data = mnist::load().expect("the bundled MNIST files");
    let train = data.train().expect("training set");
    // Validation digits come from the training file, after the training ones.
    let x = with_ones(&train.x.slice(ndarray::s![..n_train, ..]).to_owned());
    let y = train.y.slice(ndarray::s![..n_train, ..]).to_owned();
    let xv = with_ones(
        &train
            .x
            .slice(ndarray::s![n_train..n_train + n_val, ..])
            .to_owned(),
    );
    let yv = train
        .y
        .slice(ndarray::s![n_train..n_train + n_val, ..])
        .to_owned();
    let theta0 = Array2::zeros((x.ncols(), y.ncols()));
    let lr = 0.5;
    let run =
        |eps: &Array1<f64>| validation_after_training(eps, &theta0, &x, &y, &xv, &yv, lr, steps);

    let eps0 = Array1::zeros(n_train);
    let (val_loss, grad) =
        value_and_grad!(validation_after_training)(&eps0, &theta0, &x, &y, &xv, &yv, lr, steps);
    let order = by_influence(&grad);
    let label = |i: usize| argmax(y.row(i));
    let predicted = |theta: &Array2<f64>, i: usize| argmax(x.row(i).dot(theta).view());
    let theta = train_softmax(&eps0, &x, &y, lr, steps);
    let err = |theta: &Array2<f64>| classification_error(xv.dot(theta).view(), yv.view());
    if verbose {
        println!(
            "(a) softmax regression, {n_train} training digits, {steps} steps of gradient descent (rate {lr}):"
        );
        println!(
            "    validation loss {val_loss:.4}, error {:.1}% on {n_val} digits",
            100.0 * err(&theta)
        );
        println!("    most helpful training examples (up-weighting lowers the validation loss):");
        for &i in order.iter().take(5) {
            println!(
                "      #{i:<4} label {} (model says {})  dE/deps = {:+.3e}",
                label(i),
                predicted(&theta, i),
                grad[i]
            );
        }
        println!("    most harmful training examples:");
        for &i in order.iter().rev().take(5) {
            println!(
                "      #{i:<4} label {} (model says {})  dE/deps = {:+.3e}",
                label(i),
                predicted(&theta, i),
                grad[i]
            );
        }
        let worst = *order.last().expect("at least one example");
        println!(
            "    the most harmful digit (#{worst}, labelled {}):",
            label(worst)
        );
        print_digit(train.x.row(worst));
    }

    // The same influences from the library's Reverse-HG driver.
    let dynamics = GradientDescent(WeightedLoss {
        x: x.clone(),
        y: y.clone(),
    });
    let validation = |w: &Array1<f64>, h: &StepHyper<Array1<f64>>| {
        let theta = w
            .clone()
            .into_shape_with_order(theta0.dim())
            .expect("length");
        let (e, g) = value_and_grad!(validation_loss)(&theta, &xv, &yv);
        (e, Tangent::flatten(&g), h.zero_like())
    };
    let h0 = StepHyper::constant(lr, 0.0, eps0.clone());
    let r = hyper::reverse(
        &dynamics,
        &validation,
        &Tangent::flatten(&theta0),
        &h0,
        steps,
    );
    let largest = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));
    let driver_difference = (&r.grad.loss - &grad)
        .iter()
        .fold(0.0f64, |m, d| m.max(d.abs()))
        / largest;
    if verbose {
        println!(
            "    hyper::reverse (GradientDescent over grad!/hvp! of the same loss): validation loss {:.4}, influences within {driver_difference:.1e} of the largest; it also gives dE/d(rate) = {:+.4e}",
            r.value, r.grad.lr[0]
        );
    }

    // Central differences: retrain with ε_i = ±h (the loss is smooth in ε).
    let h = 1e-4;
    let picks = [
        order[0],
        order[1],
        order[n_train / 2],
        order[n_train - 2],
        order[n_train - 1],
    ];
    let checked: Vec<Checked> = picks
        .iter()
        .map(|&i| {
            let mut e = eps0.clone();
            e[i] = h;
            let up = run(&e);
            e[i] = -h;
            let down = run(&e);
            Checked {
                index: i,
                reverse: grad[i],
                fd: (up - down) / (2.0 * h),
            }
        })
        .collect();
    if verbose {
        println!("    check against retraining with eps_i = ±{h:e}:");
        for c in &checked {
            println!(
                "      #{:<4} reverse {:+.10e}  finite differences {:+.10e}  relative difference {:.1e}",
                c.index,
                c.reverse,
                c.fd,
                (c.reverse - c.fd).abs() / c.fd.abs()
            );
        }
    }

    // Drop the most harmful 2% (at least one): first-order prediction vs retraining.
    let k = (n_train / 50).max(1);
    let mut e = eps0.clone();
    let mut predicted_change = 0.0;
    for &i in order.iter().rev().take(k) {
        e[i] = -1.0;
        predicted_change -= grad[i];
    }
    let actual_change = run(&e) - val_loss;
    let theta_dropped = train_softmax(&e, &x, &y, lr, steps);
    let val_error = (err(&theta), err(&theta_dropped));
    if verbose {
        println!(
            "    dropping the {k} most harmful examples: validation loss change predicted {predicted_change:+.4}, measured by retraining {actual_change:+.4}; error {:.1}% -> {:.1}%",
            100.0 * val_error.0,
            100.0 * val_error.1
        );
    }
    Influence {
        grad,
        val_loss,
        checked,
        dropped: k,
        predicted_change,
        actual_change,
        val_error,
        driver_difference,
        lr_grad: r.grad.lr[0],
    }
}

fn argmax(r: ndarray::ArrayView1<f64>) -> usize {
    let mut best = 0;
    for (j, &v) in r.iter().enumerate() {
        if v > r[best] {
            best = j;
        }
    }
    best
}

/// A 28 × 28 digit drawn with characters, two pixels per character across.
fn print_digit(pixels: ndarray::ArrayView1<f64>) {
    let max = pixels.iter().cloned().fold(0.0, f64::max).max(1e-12);
    for r in (0..mnist::ROWS).step_by(2) {
        let line: String = (0..mnist::COLS)
            .step_by(2)
            .map(|c| {
                let v = pixels[r * mnist::COLS + c] / max;
                match v {
                    v if v > 0.66 => '#',
                    v if v > 0.33 => '+',
                    v if v > 0.05 => '.',
                    _ => ' ',
                }
            })
            .collect();
        println!("      |{line}|");
    }
}

// ---------- (b) double backpropagation ----------

hype::model! {
    /// A small tanh network (smooth, so that second derivatives exist everywhere).
    pub struct Net = Linear<784, 24> -> Tanh -> Linear<24, 10>;
}

/// Mean cross-entropy; order 2 because the objective differentiates its gradient.
#[differentiable(order = 2)]
fn data_loss(m: &Net, x: &Array2<f64>, #[constant] y: &Array2<f64>) -> f64 {
    ops::cross_entropy_on_linear(&m.forward(x), y)
}

/// `L + β P`, with `P = n ‖∂L/∂x‖²`: since `∂L/∂x_i = ∂ℓ_i/∂x_i / n`, `P` is the mean
/// over examples of `‖∂ℓ_i/∂x_i‖²`.
#[differentiable]
fn penalized_loss(
    m: &Net,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
    #[constant] beta: f64,
) -> f64 {
    let gx = grad!(data_loss)(m, x, y).1;
    data_loss(m, x, y) + beta * (x.nrows() as f64) * ops::l2(&gx)
}

/// The input-gradient penalty `P` alone.
fn penalty(m: &Net, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let gx = grad!(data_loss)(m, x, y).1;
    x.nrows() as f64 * ops::l2(&gx)
}

/// What part (b) measures.
pub struct DoubleBackprop {
    /// `⟨∇J, v⟩` by reverse mode and by central differences along a unit direction `v`.
    pub directional: (f64, f64),
    /// `‖∇J‖`, the scale of any unit directional derivative.
    pub grad_norm: f64,
    /// Gradient coordinates by reverse mode and by central differences.
    pub coordinates: Vec<(f64, f64)>,
    /// `(L, P)` when the penalty is switched on and at the end.
    pub start: (f64, f64),
    pub end: (f64, f64),
    /// The same continuation without the penalty (β = 0): `(L, P)` at the end.
    pub end_unpenalized: (f64, f64),
    /// Validation error at the end with and without the penalty.
    pub val_error: (f64, f64),
}

fn gd(
    m: &mut Net,
    steps: usize,
    lr: f64,
    grad: impl Fn(&Net) -> Net,
    mut report: impl FnMut(usize, &Net),
) {
    for t in 0..steps {
        report(t, m);
        m.axpy(-lr, &grad(m));
    }
    report(steps, m);
}

/// Part (b): `n` training digits, `pre` steps without the penalty, then `steps` steps
/// with weight `beta` (and, for comparison, without).
pub fn double_backprop(
    n: usize,
    pre: usize,
    steps: usize,
    beta: f64,
    verbose: bool,
) -> DoubleBackprop {
    let data = mnist::load().expect("the bundled MNIST files");
    let train = data.train().expect("training set");
    let x = train.x.slice(ndarray::s![..n, ..]).to_owned();
    let y = train.y.slice(ndarray::s![..n, ..]).to_owned();
    let test = data.test().expect("test set");
    let (xv, yv) = (
        test.x.slice(ndarray::s![..500, ..]).to_owned(),
        test.y.slice(ndarray::s![..500, ..]).to_owned(),
    );
    let lr = 0.5;
    let mut m = Net::new(Init::Glorot, 3);
    // Fit first, so that the input gradients have grown.
    gd(
        &mut m,
        pre,
        lr,
        |m| grad!(data_loss)(m, &x, &y).0,
        |_, _| {},
    );

    // The objective's gradient against central differences.
    let j = |m: &Net| penalized_loss(m, &x, &y, beta);
    let g = grad!(penalized_loss)(&m, &x, &y, beta);
    let flat = m.flatten();
    let v = Array1::from_shape_fn(flat.len(), |i| ((i * 31 + 7) as f64 * 0.37).sin());
    let v = &v / v.dot(&v).sqrt();
    let h = 1e-5;
    let shifted = |s: f64| j(&m.rebuild(&(&flat + &(&v * s))).expect("same length"));
    let gf = g.flatten();
    let grad_norm = gf.dot(&gf).sqrt();
    let directional = (gf.dot(&v), (shifted(h) - shifted(-h)) / (2.0 * h));
    // The largest gradient coordinate of the first layer's weights, a bias of the
    // first layer and a weight of the last.
    let largest = (0..784 * 24)
        .max_by(|&a, &b| gf[a].abs().total_cmp(&gf[b].abs()))
        .expect("weights");
    let picks = [largest, 784 * 24 + 5, flat.len() - 13];
    let coordinates: Vec<(f64, f64)> = picks
        .iter()
        .map(|&i| {
            let at = |s: f64| {
                let mut f = flat.clone();
                f[i] += s;
                j(&m.rebuild(&f).expect("same length"))
            };
            (gf[i], (at(h) - at(-h)) / (2.0 * h))
        })
        .collect();
    if verbose {
        println!(
            "(b) double backprop: 784-24-10 tanh network, {n} digits, {pre} steps of plain training, then {steps} steps on L + {beta} P"
        );
        // A random direction's derivative is a sum that cancels: its error is judged
        // against the gradient's norm, the largest any unit direction can give.
        println!(
            "    gradient of L + beta P along a unit direction: reverse {:+.10e}, central differences {:+.10e} (difference {:.1e} of |grad| = {grad_norm:.3e})",
            directional.0,
            directional.1,
            (directional.0 - directional.1).abs() / grad_norm
        );
        for (i, (r, f)) in picks.iter().zip(&coordinates) {
            println!("    d/dtheta[{i}]: reverse {r:+.10e}, central differences {f:+.10e}");
        }
    }

    let err = |m: &Net| classification_error(m.forward(&xv).view(), yv.view());
    let every = (steps / 5).max(1);
    let mut start = (0.0, 0.0);
    let mut end = (0.0, 0.0);
    let mut plain = m.clone();
    gd(
        &mut m,
        steps,
        lr,
        |m| grad!(penalized_loss)(m, &x, &y, beta),
        |t, m| {
            if t == 0 || t % every == 0 || t == steps {
                let lp = (data_loss(m, &x, &y), penalty(m, &x, &y));
                if t == 0 {
                    start = lp;
                }
                end = lp;
                if verbose {
                    println!(
                        "    step {t:>4}: cross-entropy {:.4}  input-gradient penalty P {:.5}",
                        lp.0, lp.1
                    );
                }
            }
        },
    );
    gd(
        &mut plain,
        steps,
        lr,
        |m| grad!(data_loss)(m, &x, &y).0,
        |_, _| {},
    );
    let end_unpenalized = (data_loss(&plain, &x, &y), penalty(&plain, &x, &y));
    let val_error = (err(&m), err(&plain));
    if verbose {
        println!(
            "    without the penalty, the same {steps} steps end at cross-entropy {:.4}, P {:.5}",
            end_unpenalized.0, end_unpenalized.1
        );
        println!(
            "    held-out error (500 test digits): {:.1}% with the penalty, {:.1}% without",
            100.0 * val_error.0,
            100.0 * val_error.1
        );
    }
    DoubleBackprop {
        directional,
        grad_norm,
        coordinates,
        start,
        end,
        end_unpenalized,
        val_error,
    }
}

#[allow(dead_code)] // the tests call the parts directly
fn main() {
    let t = std::time::Instant::now();
    influence(300, 500, 100, true);
    println!("    ({:.1} s)", t.elapsed().as_secs_f64());
    // Optional argument: the penalty weight beta.
    let beta = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0.2);
    let t = std::time::Instant::now();
    double_backprop(500, 100, 100, beta, true);
    println!("    ({:.1} s)", t.elapsed().as_secs_f64());
}
