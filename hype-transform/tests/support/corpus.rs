//! Real inputs of the transform, copied from the workspace's tests (tests/transform.rs,
//! tests/ui/*.rs, tests/tangent_derive.rs) and ARCHITECTURE.md, as the item that
//! `#[differentiable]` receives (its own attribute removed). Copied rather than read at
//! test time so that the property tests do not depend on files outside this crate.

/// Functions the transform accepts (tests/transform.rs, ARCHITECTURE.md).
pub const ACCEPTED: &[&str] = &[
    r#"fn rosen(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}"#,
    r#"fn scalar_math(x: f64) -> f64 {
    let y = x.sin() * x.exp() + x.powi(3) / (1.0 + x * x);
    let z = y.tanh() - (x * 0.5).cos().ln().abs();
    z * z + x.sqrt()
}"#,
    r#"fn branches(x: f64, y: f64) -> f64 {
    let a = if x > y { x * y } else { x + y * y };
    let mut b = a;
    if a > 1.0 {
        b = b * a;
    } else if a < -1.0 {
        b = -b;
    } else {
        b += 3.0 * x;
    }
    b + a
}"#,
    r#"fn while_and_mutation(x: f64, n: usize) -> f64 {
    let mut acc = x;
    let mut k = 0;
    while k < n {
        acc = acc * 0.9 + (acc * x).sin();
        k += 1;
    }
    let mut s = 0.0;
    for j in (0..n).rev().step_by(2) {
        let w = j as f64;
        s += w * acc;
        acc *= 1.01;
    }
    s + acc
}"#,
    r#"fn shadowing_and_tuples(x: f64) -> f64 {
    let x = x * 2.0;
    let (a, b) = (x.sin(), x * x);
    let x = a + b;
    let y = {
        let t = x * 3.0;
        t - a
    };
    x * y
}"#,
    r#"fn index_writes(x: &Array1<f64>) -> f64 {
    let n = x.len();
    let mut y = Array1::zeros(n);
    for i in 0..n {
        y[i] = x[i] * x[(i + 1) % n];
    }
    y[0] = y[0] * 2.0;
    y[1] += x[0];
    (&y * &y).sum()
}"#,
    r#"fn inner(x: f64, c: f64) -> f64 {
    x * x * c + x.sin()
}"#,
    r#"fn outer(x: f64, y: f64) -> f64 {
    let a = inner(x, 2.0);
    let b = inner(y * x, a);
    let mut s = 0.0;
    for i in 0..3 {
        s += inner(s + x, i as f64);
    }
    a + b + s
}"#,
    r#"pub fn cube(x: f64) -> f64 {
    x * x * x
}"#,
    r#"fn calls_other_module(x: f64) -> f64 {
    nested_module::cube(x) + 1.0
}"#,
    r#"fn constant_param(x: f64, #[constant] c: f64, n: usize) -> f64 {
    x * c + (n as f64) * x * x
}"#,
    r#"fn arrays_broadcast(w: &Array2<f64>, b: &Array1<f64>, x: &Array2<f64>) -> f64 {
    let z = x.dot(w) + b;
    let h = z.exp();
    let m = h.sum_axis(Axis(0));
    (&m * &m).sum() + h.sum() * 0.1
}"#,
    r#"fn mlp_loss(
    w1: &Array2<f64>,
    b1: &Array1<f64>,
    w2: &Array2<f64>,
    #[constant] x: &Array2<f64>,
    #[constant] y: &Array2<f64>,
) -> f64 {
    let h = ops::tanh(&(x.dot(w1) + b1));
    let logits = h.dot(w2);
    ops::cross_entropy_on_linear(&logits, y) + 0.01 * ops::l2(w1)
}"#,
    r#"pub fn f(x: &Array1<f64>, c: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let y = x[i] * c;
        if y > 0.0 {
            s += y.sin();
        } else {
            s = s * y;
        }
    }
    s
}"#,
];

/// Items of the compile-fail cases (tests/ui/*.rs): the `#[differentiable]` items
/// and the other functions of those files.
pub const UI: &[&str] = &[
    // async_block.rs
    r#"fn f(x: f64) -> f64 {
    let _y = async { 1.0 };
    x
}"#,
    // async_fn.rs
    r#"async fn f(x: f64) -> f64 {
    x
}"#,
    // call_non_differentiable.rs
    r#"fn helper(x: f64) -> f64 {
    x * x
}"#,
    r#"fn f(x: f64) -> f64 {
    helper(x) + 1.0
}"#,
    // closure_in_body.rs
    r#"fn f(x: f64) -> f64 {
    let g = |y: f64| y * x;
    x
}"#,
    // deref_assign.rs
    r#"fn f(x: f64) -> f64 {
    let mut y = x;
    let r = &mut y;
    *r = x * 2.0;
    y
}"#,
    // early_return.rs
    r#"fn f(x: f64) -> f64 {
    if x > 0.0 {
        return x;
    }
    x * x
}"#,
    // for_over_active.rs
    r#"fn f(x: &Array1<f64>) -> f64 {
    let mut s = 0.0;
    for v in x.iter().map(|v| v * 2.0) {
        s += v;
    }
    s + x.sum()
}"#,
    // grad_non_scalar.rs
    r#"fn f(x: &Array1<f64>) -> Array1<f64> {
    x * 2.0
}"#,
    r#"fn use_it() {
    let _g = grad!(f)(&array![1.0, 2.0]);
}"#,
    // if_let.rs
    r#"fn f(x: f64, v: Option<usize>) -> f64 {
    if let Some(k) = v {
        x * (k as f64)
    } else {
        x
    }
}"#,
    // item_in_body.rs
    r#"fn f(x: f64) -> f64 {
    fn g(y: f64) -> f64 {
        y
    }
    x
}"#,
    // let_else.rs
    r#"fn f(x: f64, v: Option<f64>) -> f64 {
    let Some(y) = v else { panic!() };
    x * y
}"#,
    // loop_break.rs
    r#"fn f(x: f64) -> f64 {
    let mut y = x;
    loop {
        y = y * 0.5;
        if y < 1.0 {
            break;
        }
    }
    y
}"#,
    // match_expr.rs
    r#"fn f(x: f64, k: usize) -> f64 {
    match k {
        0 => x,
        _ => x * x,
    }
}"#,
    // modulo_active.rs
    r#"fn f(x: f64) -> f64 {
    let y = x % 2.0;
    y
}"#,
    // mut_ref_param.rs
    r#"fn f(x: &mut Array1<f64>) -> f64 {
    x.sum()
}"#,
    // no_return.rs
    r#"fn f(x: f64) {
    let _y = x * 2.0;
}"#,
    // not_a_function.rs
    r#"struct S {
    x: f64,
}"#,
    // operator_on_closure.rs
    r#"fn use_it() {
    let _g = grad!(|x: f64| x * x)(1.0);
}"#,
    // pattern_param.rs
    r#"fn f((a, b): (f64, f64)) -> f64 {
    a * b
}"#,
    // try_operator.rs
    r#"fn f(x: f64, v: Option<f64>) -> f64 {
    let y = v?;
    x * y
}"#,
    // tuple_active_value.rs
    r#"fn f(x: f64) -> f64 {
    let t = (x, x * 2.0);
    x
}"#,
    // unknown_method.rs
    r#"fn f(x: &Array1<f64>) -> f64 {
    let y = x.cumsum();
    y
}"#,
    // unknown_option.rs (attribute `speed = 3`)
    r#"fn f(x: f64) -> f64 {
    x
}"#,
    // unsafe_block.rs
    r#"fn f(x: f64) -> f64 {
    let y = unsafe { x * 2.0 };
    y
}"#,
    // unsafe_fn.rs
    r#"unsafe fn f(x: f64) -> f64 {
    x
}"#,
    // while_let.rs
    r#"fn f(x: f64, mut v: Vec<usize>) -> f64 {
    let mut y = x;
    while let Some(_k) = v.pop() {
        y = y * x;
    }
    y
}"#,
    // wrong_arity.rs
    r#"fn f(x: f64) -> f64 {
    x * x
}"#,
    r#"fn use_it() {
    let _g = grad!(f)(1.0, 2.0);
}"#,
    r#"fn main() {}"#,
];

/// Attribute arguments of `#[differentiable(..)]`.
pub const ATTRS: &[&str] = &[
    "",
    "",
    "",
    "",
    "order = 2",
    "order = 1",
    "order = 0",
    "order = 3,",
    "order = 4294967296",
    "order = 99999999999999999999999999",
    "order = -1",
    "order = 2.5",
    "order = \"2\"",
    "order = 2u8",
    "order = 2usize",
    "order",
    "order(2)",
    "order = 2, order = 3",
    "order = 2 order = 3",
    "speed = 3",
    "order = 2, speed = 3",
    "(order = 2)",
    "= 2",
    ",",
    "order = x",
    "order = { 2 }",
    "self",
    "crate::order = 2",
    "r#order = 2",
    "garbage tokens @ # ! ~",
    "#[constant]",
    "order = 2 ; fn f() {}",
];

/// Inputs of the derivative operators (`grad!(..)`, ...).
pub const OPERATOR_INPUTS: &[&str] = &[
    "rosen",
    "scalar_math",
    "nested_module::cube",
    "f",
    "branches",
    "arrays_broadcast",
    "|x: f64| x * x",
    "move |x| x",
    "hype::ops::sigmoid",
    "self::f",
    "super::f",
    "crate::f",
    "::f",
    "f::<f64>",
    "m::f::<T, 3>",
    "<T as Tr>::f",
    "<f64>::max",
    "Self::f",
    "r#fn",
    "r#type",
    "f__grad",
    "f(1.0)",
    "f.g",
    "&f",
    "*f",
    "(f)",
    "{ f }",
    "f,",
    "f g",
    "",
    "1.0",
    "\"f\"",
    "f!()",
    "async {}",
    "crate",
    "self",
    "super",
    "Self",
    "_",
    "f::<>",
    "a::b::c::d::e",
    "#[inline] f",
];

/// `derive(Tangent)` inputs: tests/tangent_derive.rs and other shapes of types.
pub const DERIVE_INPUTS: &[&str] = &[
    r#"struct Layer {
    w: Array2<f64>,
    b: Array1<f64>,
}"#,
    r#"struct Model {
    w: Array2<f64>,
    b: Array1<f64>,
    temperature: f64,
    head: Layer,
    layers: Vec<Layer>,
}"#,
    r#"struct Pair(f64, Array1<f64>);"#,
    r#"struct Wrapper<T> {
    inner: T,
    extra: Vec<T>,
}"#,
    r#"struct Empty;"#,
    r#"#[derive(Clone, Debug, PartialEq)] pub struct Unit();"#,
    r#"enum E { A(f64), B { x: f64 }, C }"#,
    r#"union U { a: f64, b: u64 }"#,
    r#"pub(crate) struct G<'a, T: Clone, const N: usize> where T: Default { r: &'a T, a: [f64; N] }"#,
    r#"struct V { #[serde(skip)] pub x: f64, pub(super) y: Array1<f64> }"#,
    r#"struct r#Type { r#fn: f64, r#match: f64 }"#,
    r#"struct Z<T>(T) where T: Copy;"#,
    r#"struct D<T = f64, const K: usize = 3> { t: T }"#,
    r#"struct L<'a> { x: &'a f64 }"#,
    r#"struct Many(f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64);"#,
    r#"fn not_a_type() {}"#,
];

/// Attribute arguments of `#[custom_rule(..)]`.
pub const CUSTOM_RULE_ATTRS: &[&str] = &[
    "forward = f_fwd, reverse = f_rev",
    "forward = m::f_fwd, reverse = ::m::f_rev",
    "reverse = f_rev, forward = f_fwd",
    "forward = f_fwd",
    "reverse = f_rev",
    "",
    "forward = f_fwd, reverse = f_rev, order = 2",
    "forward = 1, reverse = f_rev",
    "forward = f_fwd, forward = g, reverse = f_rev",
    "forward = f_fwd::<T>, reverse = <T as Tr>::f_rev",
];
