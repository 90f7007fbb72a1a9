//! `#[derive(Tangent)]` on nested structs: flatten/rebuild round-trips and the
//! vector-space operations agree with a field-by-field computation.

use hype::prelude::*;
use hype::HypeError;

#[derive(Clone, Debug, PartialEq, Tangent)]
struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
}

#[derive(Clone, Debug, PartialEq, Tangent)]
struct Model {
    w: Array2<f64>,
    b: Array1<f64>,
    temperature: f64,
    head: Layer,
    layers: Vec<Layer>,
}

#[derive(Clone, Debug, PartialEq, Tangent)]
struct Pair(f64, Array1<f64>);

#[derive(Clone, Debug, PartialEq, Tangent)]
struct Wrapper<T> {
    inner: T,
    extra: Vec<T>,
}

#[derive(Clone, Debug, PartialEq, Tangent)]
struct Empty;

/// A model whose scalars are `start, start + 1, ...` in declaration order.
fn model(start: f64) -> Model {
    let mut k = start;
    let mut next = || {
        k += 1.0;
        k - 1.0
    };
    let mut arr2 = |r: usize, c: usize| Array2::from_shape_fn((r, c), |_| next());
    let w = arr2(2, 3);
    let b = Array1::from_iter((0..3).map(|_| next()));
    let temperature = next();
    let head = Layer {
        w: Array2::from_shape_fn((1, 2), |_| next()),
        b: Array1::from_iter((0..1).map(|_| next())),
    };
    let layers = (0..2)
        .map(|i| Layer {
            w: Array2::from_shape_fn((i + 1, 2), |_| next()),
            b: Array1::from_iter((0..i + 1).map(|_| next())),
        })
        .collect();
    Model {
        w,
        b,
        temperature,
        head,
        layers,
    }
}

#[test]
fn flatten_is_declaration_order() {
    let m = model(0.0);
    let flat = m.flatten();
    let n = 6 + 3 + 1 + 2 + 1 + (2 + 1) + (4 + 2);
    assert_eq!(m.flat_len(), n);
    assert_eq!(flat.len(), n);
    let expected: Vec<f64> = (0..n).map(|i| i as f64).collect();
    assert_eq!(flat.to_vec(), expected);
}

#[test]
fn flatten_rebuild_round_trips_exactly() {
    let m = model(0.25);
    let flat = m.flatten();
    let back = m.rebuild(&flat).unwrap();
    assert_eq!(back, m);

    // rebuild takes its shape from the template and its values from the flat vector
    let other = model(100.0);
    let rebuilt = m.rebuild(&other.flatten()).unwrap();
    assert_eq!(rebuilt, other);
}

#[test]
fn rebuild_with_wrong_length_is_an_error() {
    let m = model(0.0);
    let n = m.flat_len();
    for len in [0, n - 1, n + 1] {
        let flat = Array1::zeros(len);
        assert_eq!(
            m.rebuild(&flat),
            Err(HypeError::FlatLength {
                expected: n,
                found: len
            })
        );
    }
}

#[test]
fn zero_like_and_zero_tangent() {
    let m = model(1.0);
    let z = m.zero_like();
    assert_eq!(z.flat_len(), m.flat_len());
    assert!(z.flatten().iter().all(|&v| v == 0.0));
    assert_eq!(z.layers.len(), 2);
    assert_eq!(z.layers[1].w.dim(), (2, 2));
    assert_eq!(m.zero_tangent(), z);
}

#[test]
fn vector_space_operations_match_the_flat_vectors() {
    let x = model(0.5);
    let y = model(-3.0);
    let (fx, fy) = (x.flatten(), y.flatten());

    let mut s = x.clone();
    s.add_assign_tangent(&y);
    assert_eq!(s.flatten(), &fx + &fy);

    let mut s = x.clone();
    s.scale(-2.5);
    assert_eq!(s.flatten(), &fx * -2.5);

    let mut s = x.clone();
    s.axpy(0.75, &y);
    assert_eq!(s.flatten(), &fx + &(&fy * 0.75));

    let inner = x.inner(&y);
    let expected: f64 = fx.iter().zip(fy.iter()).map(|(a, b)| a * b).sum();
    assert!((inner - expected).abs() <= 1e-12 * expected.abs().max(1.0));
    assert_eq!(x.inner(&x.zero_like()), 0.0);
}

#[test]
fn tuple_generic_and_unit_structs() {
    let p = Pair(2.0, Array1::from(vec![1.0, -1.0]));
    assert_eq!(p.flatten().to_vec(), vec![2.0, 1.0, -1.0]);
    let q = p.rebuild(&Array1::from(vec![5.0, 6.0, 7.0])).unwrap();
    assert_eq!(q, Pair(5.0, Array1::from(vec![6.0, 7.0])));
    assert!((p.inner(&q) - (10.0 + 6.0 - 7.0)).abs() < 1e-15);

    let w = Wrapper {
        inner: p.clone(),
        extra: vec![q.clone()],
    };
    assert_eq!(w.flat_len(), 6);
    assert_eq!(w.rebuild(&w.flatten()).unwrap(), w);
    let mut z = w.zero_like();
    z.axpy(2.0, &w);
    assert_eq!(z.flatten(), &w.flatten() * 2.0);

    assert_eq!(Empty.flat_len(), 0);
    assert_eq!(Empty.inner(&Empty), 0.0);
    assert_eq!(Empty.rebuild(&Array1::zeros(0)), Ok(Empty));
}

#[derive(Clone, Debug, PartialEq, Tangent)]
struct Layer32 {
    w: Array2<f32>,
    b: Array1<f32>,
    scale: f32,
}

#[test]
fn derive_with_f32_fields() {
    let l = Layer32 {
        w: array![[1.0, 2.0], [3.0, 4.0]],
        b: array![5.0, 6.0],
        scale: 7.0,
    };
    assert_eq!(l.flat_len(), 7);
    assert_eq!(l.flatten(), array![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    let z = l.zero_tangent();
    assert_eq!(z.flatten(), Array1::<f64>::zeros(7));
    let mut t = l.zero_like();
    t.axpy(0.5, &l);
    t.add_assign_tangent(&l);
    assert_eq!(t.w, array![[1.5f32, 3.0], [4.5, 6.0]]);
    assert_eq!(t.scale, 10.5f32);
    assert_eq!(
        t.inner(&l),
        1.5 * (1.0 + 4.0 + 9.0 + 16.0 + 25.0 + 36.0 + 49.0)
    );
    t.scale(2.0);
    assert_eq!(t.b, array![15.0f32, 18.0]);
    let back = l
        .rebuild(&array![0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5])
        .unwrap();
    assert_eq!(back.w, array![[0.5f32, 1.5], [2.5, 3.5]]);
    assert_eq!(back.scale, 6.5f32);
}
