//! Second order for [`FeedForward::forward`]: its directional derivative
//! `forward__dir` (what the `f__dir` code of an order-2 caller calls; it is
//! [`FeedForward::forward_jvp`]) with hand-written rules of its own, so that reverse
//! mode over it gives Hessian-vector products of losses through a `FeedForward`, and
//! forward mode over it third derivatives.
//!
//! Per layer, with input `h`, its tangent `dh` and the layer's tangent `dl`:
//! `Linear`: `y = h w + b`, `dy = dh w + h dw + db`; activation `f`: `y = f(h)`,
//! `dy = f'(h) dh`. The rules below differentiate these two maps once more.

use super::{mismatch, Activation, FeedForward, Layer};
use crate::Float;
use hype_macros::custom_rule;
use ndarray::{Array2, Axis};

impl Activation {
    /// `f''(z)` elementwise, from the input `z` and the output `y = f(z)`.
    fn second_derivative<F: Float>(self, z: &Array2<F>, y: &Array2<F>) -> Array2<F> {
        match self {
            // Relu: zero wherever the derivative exists.
            Activation::Identity | Activation::Relu => Array2::zeros(z.raw_dim()),
            Activation::Tanh => y.mapv(|t| -(t + t) * (F::one() - t * t)),
            Activation::Sigmoid => y.mapv(|s| s * (F::one() - s) * (F::one() - (s + s))),
            Activation::Softplus => crate::ops::sigmoid(z).mapv(|s| s * (F::one() - s)),
        }
    }
}

/// An output and its tangent (`(y, dy)`), the value of `forward__dir`.
type WithTangent<F> = (Array2<F>, Array2<F>);

/// What the backward sweep of one layer needs: its input and the input's tangent (an
/// activation's output is the next layer's input).
struct Kept<F> {
    h: Array2<F>,
    dh: Array2<F>,
}

/// Panics naming `op` when a tangent network has a different number of layers.
#[track_caller]
fn check_counts<F: Float>(op: &str, m: &FeedForward<F>, other: &FeedForward<F>) {
    assert_eq!(
        m.layers.len(),
        other.layers.len(),
        "hype: `{op}` of a FeedForward with {} layers and a tangent with {}",
        m.layers.len(),
        other.layers.len()
    );
}

impl<F: Float> FeedForward<F> {
    /// The directional derivative of [`FeedForward::forward`]: the output and its
    /// tangent along `self__d1` (parameters) and `x__d1` (input). Called by the
    /// derivative code of `#[differentiable(order = 2)]` functions that call
    /// `forward`; its own rules are [`FeedForward::forward_dir_jvp`] and
    /// [`FeedForward::forward_dir_vjp`].
    #[doc(hidden)]
    #[allow(non_snake_case)]
    #[custom_rule(forward = Self::forward_dir_jvp, reverse = Self::forward_dir_vjp)]
    pub fn forward__dir(
        &self,
        x: &Array2<F>,
        self__d1: &FeedForward<F>,
        x__d1: &Array2<F>,
    ) -> (Array2<F>, Array2<F>)
    where
        F: Float,
    {
        self.forward_jvp(x, self__d1, x__d1)
    }

    /// Forward mode over `forward__dir`: `((y, dy), (ẏ, dẏ))` for the tangents `tm`,
    /// `tx`, `tdm`, `tdx` of `self`, `x`, `dm`, `dx`.
    #[allow(clippy::too_many_arguments)] // one tangent per argument, by convention
    pub fn forward_dir_jvp(
        &self,
        x: &Array2<F>,
        dm: &FeedForward<F>,
        dx: &Array2<F>,
        tm: &FeedForward<F>,
        tx: &Array2<F>,
        tdm: &FeedForward<F>,
        tdx: &Array2<F>,
    ) -> (WithTangent<F>, WithTangent<F>) {
        for other in [dm, tm, tdm] {
            check_counts("forward_dir_jvp", self, other);
        }
        let (mut h, mut dh, mut th, mut tdh) = (x.clone(), dx.clone(), tx.clone(), tdx.clone());
        for (k, l) in self.layers.iter().enumerate() {
            let (dl, tl, tdl) = (&dm.layers[k], &tm.layers[k], &tdm.layers[k]);
            for other in [dl, tl, tdl] {
                if !l.same_kind(other) {
                    mismatch("forward_dir_jvp", l, other);
                }
            }
            (h, dh, th, tdh) = match (l, dl, tl, tdl) {
                (
                    Layer::Linear { w, b },
                    Layer::Linear { w: dw, b: db },
                    Layer::Linear { w: tw, b: tb },
                    Layer::Linear { w: tdw, b: tdb },
                ) => {
                    self.check_input(k, w, &h);
                    // The value and tangent summed as forward_jvp sums them.
                    (
                        h.dot(w) + b,
                        dh.dot(w) + h.dot(dw) + db,
                        th.dot(w) + h.dot(tw) + tb,
                        tdh.dot(w) + dh.dot(tw) + th.dot(dw) + h.dot(tdw) + tdb,
                    )
                }
                (
                    Layer::LinearNoBias { w },
                    Layer::LinearNoBias { w: dw },
                    Layer::LinearNoBias { w: tw },
                    Layer::LinearNoBias { w: tdw },
                ) => {
                    self.check_input(k, w, &h);
                    (
                        h.dot(w),
                        dh.dot(w) + h.dot(dw),
                        th.dot(w) + h.dot(tw),
                        tdh.dot(w) + dh.dot(tw) + th.dot(dw) + h.dot(tdw),
                    )
                }
                (Layer::Activation(a), ..) => {
                    let y = a.apply(&h);
                    let d1 = a.derivative(&h, &y);
                    let d2 = a.second_derivative(&h, &y);
                    let tdy = &d2 * &th * &dh + &d1 * &tdh;
                    (y, &d1 * &dh, &d1 * &th, tdy)
                }
                (
                    Layer::Sequence(l),
                    Layer::Sequence(dl),
                    Layer::Sequence(tl),
                    Layer::Sequence(tdl),
                ) => {
                    self.check_sequence(k, l.as_ref(), &h);
                    let ((y, dy), (ty, tdy)) = l.forward_dir_jvp(
                        &h,
                        dl.as_ref(),
                        &dh,
                        tl.as_ref(),
                        &th,
                        tdl.as_ref(),
                        &tdh,
                    );
                    (y, dy, ty, tdy)
                }
                _ => unreachable!("same_kind"),
            };
        }
        ((h, dh), (th, tdh))
    }

    /// Reverse mode over `forward__dir`: `(y, dy)` and the pullback mapping their
    /// cotangents to those of `self`, `x`, `dm` and `dx`.
    #[allow(clippy::type_complexity)] // the custom-rule convention: (value, pullback)
    pub fn forward_dir_vjp<'a>(
        &'a self,
        x: &Array2<F>,
        dm: &'a FeedForward<F>,
        dx: &Array2<F>,
    ) -> (
        (Array2<F>, Array2<F>),
        impl FnOnce(
                &(Array2<F>, Array2<F>),
            ) -> (FeedForward<F>, Array2<F>, FeedForward<F>, Array2<F>)
            + 'a,
    ) {
        check_counts("forward_dir_vjp", self, dm);
        let (mut h, mut dh) = (x.clone(), dx.clone());
        let mut kept = Vec::with_capacity(self.layers.len());
        for (k, (l, dl)) in self.layers.iter().zip(&dm.layers).enumerate() {
            if !l.same_kind(dl) {
                mismatch("forward_dir_vjp", l, dl);
            }
            let (y, dy) = match (l, dl) {
                (Layer::Linear { w, b }, Layer::Linear { w: dw, b: db }) => {
                    self.check_input(k, w, &h);
                    (h.dot(w) + b, dh.dot(w) + h.dot(dw) + db)
                }
                (Layer::LinearNoBias { w }, Layer::LinearNoBias { w: dw }) => {
                    self.check_input(k, w, &h);
                    (h.dot(w), dh.dot(w) + h.dot(dw))
                }
                (Layer::Activation(a), _) => {
                    let y = a.apply(&h);
                    let dy = a.derivative(&h, &y) * &dh;
                    (y, dy)
                }
                (Layer::Sequence(l), Layer::Sequence(dl)) => {
                    self.check_sequence(k, l.as_ref(), &h);
                    l.forward_jvp(&h, dl.as_ref(), &dh)
                }
                _ => unreachable!("same_kind"),
            };
            kept.push(Kept { h, dh });
            (h, dh) = (y, dy);
        }
        // The output, as the last activation's result: one copy kept for the sweep.
        let output = h.clone();
        let value = (h, dh);
        let pullback = move |(gy, gdy): &(Array2<F>, Array2<F>)| {
            let (mut g, mut gd) = (gy.clone(), gdy.clone());
            let n = self.layers.len();
            let (mut gm, mut gdm) = (Vec::with_capacity(n), Vec::with_capacity(n));
            let mut y = output;
            for (l, (dl, Kept { h, dh })) in
                self.layers.iter().zip(dm.layers.iter().zip(kept)).rev()
            {
                match (l, dl) {
                    (Layer::Linear { w, .. }, Layer::Linear { w: dw, .. }) => {
                        gm.push(Layer::Linear {
                            w: h.t().dot(&g) + dh.t().dot(&gd),
                            b: g.sum_axis(Axis(0)),
                        });
                        gdm.push(Layer::Linear {
                            w: h.t().dot(&gd),
                            b: gd.sum_axis(Axis(0)),
                        });
                        (g, gd) = (g.dot(&w.t()) + gd.dot(&dw.t()), gd.dot(&w.t()));
                    }
                    (Layer::LinearNoBias { w }, Layer::LinearNoBias { w: dw }) => {
                        gm.push(Layer::LinearNoBias {
                            w: h.t().dot(&g) + dh.t().dot(&gd),
                        });
                        gdm.push(Layer::LinearNoBias { w: h.t().dot(&gd) });
                        (g, gd) = (g.dot(&w.t()) + gd.dot(&dw.t()), gd.dot(&w.t()));
                    }
                    (Layer::Activation(a), _) => {
                        let d1 = a.derivative(&h, &y);
                        let d2 = a.second_derivative(&h, &y);
                        gm.push(Layer::Activation(*a));
                        gdm.push(Layer::Activation(*a));
                        (g, gd) = (&d1 * &g + &d2 * &dh * &gd, &d1 * &gd);
                    }
                    // The layer's generated reverse pass over its directional derivative.
                    (Layer::Sequence(l), Layer::Sequence(dl)) => {
                        let (gl, gx, gdl, gdx) = l.forward_dir_vjp(&h, dl.as_ref(), &dh, &(g, gd));
                        gm.push(Layer::Sequence(gl));
                        gdm.push(Layer::Sequence(gdl));
                        (g, gd) = (gx, gdx);
                    }
                    _ => unreachable!("same_kind"),
                }
                // This layer's input is the previous layer's output.
                y = h;
            }
            gm.reverse();
            gdm.reverse();
            (
                FeedForward { layers: gm },
                g,
                FeedForward { layers: gdm },
                gd,
            )
        };
        (value, pullback)
    }
}
