//! Heterogeneous parameters: `#[derive(Tangent)]` structs as active parameters (field
//! reads, nested structs, struct literals), and `array![..]` of active scalars.

mod common;
use common::*;
use hype::prelude::*;

#[derive(Clone, Debug, Tangent)]
struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
}

#[derive(Clone, Debug, Tangent)]
struct Model {
    hidden: Layer,
    out: Array1<f64>,
    scale: f64,
}

#[differentiable]
fn model_loss(m: &Model, #[constant] x: &Array2<f64>) -> f64 {
    let z = x.dot(&m.hidden.w) + &m.hidden.b;
    let h = ops::tanh(&z);
    let y = h.dot(&m.out) * m.scale;
    let s = m.scale;
    (&y * &y).sum() + s * s
}

fn model() -> Model {
    Model {
        hidden: Layer {
            w: array![[0.1, -0.3, 0.5], [0.7, 0.2, -0.4]],
            b: array![0.05, -0.1, 0.2],
        },
        out: array![0.3, -0.6, 0.9],
        scale: 1.3,
    }
}

#[test]
fn gradient_of_a_nested_struct_parameter() {
    let m = model();
    let x = array![[1.0, 2.0], [-0.5, 0.3], [0.8, -1.1], [0.0, 0.4]];
    let g: Model = grad!(model_loss)(&m, &x);
    // Finite differences through the flat view of the struct.
    let flat = m.flatten();
    let fd = fd_grad(|v| model_loss(&m.rebuild(v).unwrap(), &x), &flat);
    assert_all_close(&g.flatten(), &fd, 1e-6);
    // Forward mode along a random direction agrees with the gradient.
    let dir = flat.mapv(|v| (v * 7.0).sin());
    let dm = m.rebuild(&dir).unwrap();
    let (_, d) = jvp!(model_loss)(&m, &x, &dm);
    assert_close(d, g.flatten().dot(&dir), 1e-12);
}

#[differentiable]
fn build_layer(a: f64, b: f64) -> f64 {
    let layer = Layer {
        w: array![[a, b], [b * a, 1.0]],
        b: array![a, 2.0 * b],
    };
    let v = array![a.sin(), b, a * b];
    (&layer.w * &layer.w).sum() + layer.b.dot(&layer.b) + v.sum() * v[2]
}

#[test]
fn struct_literals_and_array_macro() {
    for &(a, b) in &[(0.3, -0.7), (1.2, 0.4)] {
        let (ga, gb) = grad!(build_layer)(a, b);
        assert_close(ga, fd_diff(|a| build_layer(a, b), a), 1e-6);
        assert_close(gb, fd_diff(|b| build_layer(a, b), b), 1e-6);
        let (_, da) = jvp!(build_layer)(a, b, 1.0, 0.0);
        assert_close(da, ga, 1e-12);
    }
}

impl Layer {
    #[differentiable]
    fn forward(&self, #[constant] x: &Array2<f64>) -> Array2<f64> {
        ops::tanh(&(x.dot(&self.w) + &self.b))
    }

    #[differentiable]
    fn energy(&self, #[constant] x: &Array2<f64>) -> f64 {
        let h = self.forward(x);
        (&h * &h).sum() + 0.1 * self.b.sum()
    }
}

#[test]
fn methods_with_self() {
    let layer = model().hidden;
    let x = array![[1.0, 2.0], [-0.5, 0.3], [0.8, -1.1]];
    let g: Layer = grad!(Layer::energy)(&layer, &x);
    let fd = fd_grad(|v| layer.rebuild(v).unwrap().energy(&x), &layer.flatten());
    assert_all_close(&g.flatten(), &fd, 1e-6);
}

// Struct adjoints start as lazy zeros filled field by field (`rt::acc_field`): fields
// that no contribution reaches must come back as zeros of the right shape, also when
// the adjoint is passed on to a call's pullback or through a copy.

#[differentiable]
fn reads_one_field(m: &Model) -> f64 {
    (&m.hidden.w * &m.hidden.w).sum()
}

#[differentiable]
fn doubled(m: &Model) -> Model {
    Model {
        hidden: Layer {
            w: &m.hidden.w * 2.0,
            b: m.hidden.b.clone(),
        },
        out: &m.out * 3.0,
        scale: m.scale,
    }
}

#[differentiable]
fn through_a_call(m: &Model) -> f64 {
    let d = doubled(m);
    let copy = d;
    copy.out.sum() + copy.scale * copy.scale
}

#[test]
fn unread_fields_get_dense_zero_adjoints() {
    let m = model();
    let g = grad!(reads_one_field)(&m);
    assert_eq!(g.hidden.w, &m.hidden.w * 2.0);
    assert_eq!(g.hidden.b, Array1::<f64>::zeros(3));
    assert_eq!(g.out, Array1::<f64>::zeros(3));
    assert_eq!(g.scale, 0.0);

    // out and scale are read after a call and a copy; hidden.w and hidden.b are not.
    let g = grad!(through_a_call)(&m);
    assert_eq!(g.hidden.w, Array2::<f64>::zeros((2, 3)));
    assert_eq!(g.hidden.b, Array1::<f64>::zeros(3));
    assert_eq!(g.out, Array1::from_elem(3, 3.0));
    assert_close(g.scale, 2.0 * m.scale, 1e-15);
}
