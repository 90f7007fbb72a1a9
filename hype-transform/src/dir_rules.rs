//! Tangent rules written as expressions over primitives, for the directional-derivative
//! emitter ([`crate::dir`]): what `op_jvp{k}` computes in the runtime, spelled out in
//! calls the transform itself accepts (`::hype::rt::mul(&a, &b)`, ...), so that the
//! derivative code can be differentiated again.

use crate::float::Float;
use proc_macro2::TokenStream;
use quote::quote;

/// The operands of one rule: value arguments and statics as written (`&a`,
/// `&(1.0)`), the result `&r`, and the tangent `&a__d` of argument `k`.
pub struct Operands<'a> {
    pub args: &'a [TokenStream],
    pub statics: &'a [TokenStream],
    pub r: &'a TokenStream,
    pub d: &'a TokenStream,
}

fn rt(name: &str) -> TokenStream {
    let id = syn::Ident::new(name, proc_macro2::Span::call_site());
    quote!(::hype::rt::#id)
}

fn ops(name: &str) -> TokenStream {
    let id = syn::Ident::new(name, proc_macro2::Span::call_site());
    quote!(::hype::ops::#id)
}

/// `f(&x, &y, ..)` where each operand is an expression (borrowed).
fn call(f: TokenStream, xs: &[TokenStream]) -> TokenStream {
    quote!(#f(#(&#xs),*))
}

fn mul(a: TokenStream, b: TokenStream) -> TokenStream {
    call(rt("mul"), &[a, b])
}
fn div(a: TokenStream, b: TokenStream) -> TokenStream {
    call(rt("div"), &[a, b])
}
fn add(a: TokenStream, b: TokenStream) -> TokenStream {
    call(rt("add"), &[a, b])
}
fn sub(a: TokenStream, b: TokenStream) -> TokenStream {
    call(rt("sub"), &[a, b])
}
fn neg(a: TokenStream) -> TokenStream {
    call(rt("neg"), &[a])
}
fn un(name: &str, a: TokenStream) -> TokenStream {
    call(rt(name), &[a])
}

/// The tangent contribution of argument `k` of primitive `op`, or `None` when the
/// rule has not been written in primitives (then the function has no second order).
pub fn tangent(module: &str, op: &str, k: usize, o: &Operands) -> Option<TokenStream> {
    tangent_in(&Float::F64, module, op, k, o)
}

/// [`tangent`] in a function computing in `float` (its rules' literals have that type).
pub fn tangent_in(
    float: &Float,
    module: &str,
    op: &str,
    k: usize,
    o: &Operands,
) -> Option<TokenStream> {
    let lit = |x: f64| float.lit(x);
    // Operands are borrowed expressions; strip one `&` to use them as values inside
    // `call`, which borrows again.
    // A call with too few arguments is rustc's error on the primal; here it only
    // must not panic.
    let a = |i: usize| -> TokenStream { o.args.get(i).map(deref).unwrap_or_else(|| quote!(())) };
    let r = deref(o.r);
    let d = deref(o.d);
    let s = |i: usize| o.statics.get(i).cloned().unwrap_or_else(|| quote!(()));
    let bcast = |x: TokenStream| call(rt("broadcast_to"), &[x, r.clone()]);
    let t = match (module, op, k) {
        (_, "add", _) => bcast(d),
        (_, "sub", 0) => bcast(d),
        (_, "sub", 1) => bcast(neg(d)),
        (_, "mul", 0) => mul(d, a(1)),
        (_, "mul", 1) => mul(a(0), d),
        (_, "div", 0) => div(d, a(1)),
        (_, "div", 1) => neg(mul(div(r, a(1)), d)),
        (_, "neg", 0) => neg(d),
        (_, "exp", 0) => mul(r, d),
        (_, "ln", 0) => div(d, a(0)),
        (_, "log2", 0) => div(d, mul(a(0), lit(std::f64::consts::LN_2))),
        (_, "log10", 0) => div(d, mul(a(0), lit(std::f64::consts::LN_10))),
        (_, "sqrt", 0) => div(d, mul(lit(2.0), r)),
        (_, "cbrt", 0) => div(d, mul(lit(3.0), mul(r.clone(), r))),
        (_, "sin", 0) => mul(un("cos", a(0)), d),
        (_, "cos", 0) => neg(mul(un("sin", a(0)), d)),
        (_, "tan", 0) => mul(add(lit(1.0), mul(r.clone(), r)), d),
        (_, "asin", 0) => div(d, un("sqrt", sub(lit(1.0), mul(a(0), a(0))))),
        (_, "acos", 0) => neg(div(d, un("sqrt", sub(lit(1.0), mul(a(0), a(0)))))),
        (_, "atan", 0) => div(d, add(lit(1.0), mul(a(0), a(0)))),
        (_, "sinh", 0) => mul(un("cosh", a(0)), d),
        (_, "cosh", 0) => mul(un("sinh", a(0)), d),
        // One fused pass, with rules of its own (fewer passes in reverse mode over it).
        (_, "tanh", 0) => call(ops("tanh_tangent"), &[r, d]),
        ("ops", "tanh_tangent", 0) => mul(mul(lit(-2.0), mul(a(0), d)), a(1)),
        ("ops", "tanh_tangent", 1) => call(ops("tanh_tangent"), &[a(0), d]),
        (_, "abs", 0) => mul(un("sign", a(0)), d),
        (_, "recip", 0) => neg(mul(mul(r.clone(), r), d)),
        (_, "sign" | "step" | "zeros_like" | "stop_gradient", 0) => un("zeros_like", r),
        ("rt", "powi", 0) => {
            let n = s(0);
            let x = a(0);
            let p = quote!(::hype::rt::powi(&#x, (#n) - 1));
            mul(mul(float.cast(&n), p), d)
        }
        (_, "powf", 0) => mul(mul(a(1), call(rt("powf"), &[a(0), sub(a(1), lit(1.0))])), d),
        (_, "powf", 1) => mul(mul(r, un("ln", a(0))), d),
        // Ties go to the first argument, as in the runtime's rules.
        (_, "max", 0) => mul(sub(lit(1.0), un("step", sub(a(1), a(0)))), d),
        (_, "max", 1) => mul(un("step", sub(a(1), a(0))), d),
        (_, "min", 0) => mul(sub(lit(1.0), un("step", sub(a(0), a(1)))), d),
        (_, "min", 1) => mul(un("step", sub(a(0), a(1))), d),
        (_, "hypot", 0) => mul(div(a(0), r), d),
        (_, "hypot", 1) => mul(div(a(1), r), d),
        (_, "atan2", 0) => mul(div(a(1), add(mul(a(0), a(0)), mul(a(1), a(1)))), d),
        (_, "atan2", 1) => neg(mul(div(a(0), add(mul(a(0), a(0)), mul(a(1), a(1)))), d)),
        (_, "mul_add", 0) => mul(d, a(1)),
        (_, "mul_add", 1) => mul(a(0), d),
        (_, "mul_add", 2) => bcast(d),
        ("rt", "dot", 0) => call(rt("dot"), &[d, a(1)]),
        ("rt", "dot", 1) => call(rt("dot"), &[a(0), d]),
        ("rt", "t", 0) => un("t_owned", d),
        ("rt", "sum", 0) => un("sum", d),
        ("rt", "mean", 0) => un("mean", d),
        ("rt", "sum_axis", 0) => {
            let ax = s(0);
            quote!(::hype::rt::sum_axis(&#d, #ax))
        }
        ("rt", "mean_axis", 0) => {
            let ax = s(0);
            quote!(::hype::rt::mean_axis(&#d, #ax))
        }
        ("rt", "insert_axis", 0) => {
            let ax = s(0);
            quote!(::hype::rt::insert_axis_owned(&#d, #ax))
        }
        ("rt", "slice", 0) => {
            let info = s(0);
            quote!(::hype::rt::slice_owned(&#d, #info))
        }
        ("rt", "to_owned" | "clone_val" | "identity", 0) => un("to_owned", d),
        ("rt", "broadcast_to", 0) => call(rt("broadcast_to"), &[d, a(1)]),
        ("rt", "sum_to", 0) => call(rt("sum_to"), &[d, a(1)]),
        ("ops", "sum_all", 0) => call(ops("sum_all"), &[d]),
        ("ops", "sum_last", 0) => call(ops("sum_last"), &[d]),
        ("ops", "expand_last", 0) => {
            let n = s(0);
            quote!(::hype::ops::expand_last(&#d, #n))
        }
        ("ops", "sigmoid", 0) => mul(mul(r.clone(), sub(lit(1.0), r)), d),
        ("ops", "relu", 0) => mul(un("step", a(0)), d),
        ("ops", "softplus", 0) => mul(call(ops("sigmoid"), &[a(0)]), d),
        // elu' = step(a) + (1 - step(a)) (r + alpha), as the runtime's rule (alpha at 0).
        ("ops", "elu", 0) => {
            let alpha = s(0);
            let st = un("step", a(0));
            let left = mul(sub(lit(1.0), st.clone()), add(r, quote!((#alpha))));
            mul(add(st, left), d)
        }
        ("ops", "gelu", 0) => mul(gelu_factor(float, &a(0)), d),
        ("ops", "logsumexp", 0) => call(ops("sum_last"), &[mul(call(ops("softmax"), &[a(0)]), d)]),
        ("ops", "softmax", 0) => {
            let rd = mul(r.clone(), d);
            sub(
                rd.clone(),
                mul(r, expand_last(call(ops("sum_last"), &[rd]), &a(0))),
            )
        }
        ("ops", "log_softmax", 0) => sub(d.clone(), log_softmax_row_term(&a(0), &d)),
        ("ops", "cross_entropy_on_linear", 0) => {
            // -sum(t * (dz - rowsum(softmax(z) dz))) / rows
            let q = sub(d.clone(), log_softmax_row_term(&a(0), &d));
            let z = a(0);
            mul(
                call(ops("sum_all"), &[mul(a(1), q)]),
                quote!(::hype::ops::neg_inv_rows(&#z)),
            )
        }
        ("ops", "cross_entropy_on_linear", 1) => {
            let z = a(0);
            mul(
                call(ops("sum_all"), &[mul(d, call(ops("log_softmax"), &[a(0)]))]),
                quote!(::hype::ops::neg_inv_rows(&#z)),
            )
        }
        // -sum(t dp / p) / rows: zero targets contribute nothing, as in the primal.
        ("ops", "cross_entropy_on_softmax", 0) => {
            let p = a(0);
            mul(
                call(ops("sum_all"), &[mul(div(a(1), a(0)), d)]),
                quote!(::hype::ops::neg_inv_rows(&#p)),
            )
        }
        ("ops", "cross_entropy_on_softmax", 1) => {
            let p = a(0);
            mul(
                call(ops("sum_all"), &[mul(d, un("ln", a(0)))]),
                quote!(::hype::ops::neg_inv_rows(&#p)),
            )
        }
        ("ops", "mse", 0) => mul(lit(2.0), call(rt("mean"), &[mul(sub(a(0), a(1)), d)])),
        ("ops", "mse", 1) => mul(lit(-2.0), call(rt("mean"), &[mul(sub(a(0), a(1)), d)])),
        ("ops", "l1", 0) => call(ops("sum_all"), &[mul(un("sign", a(0)), d)]),
        ("ops", "l2", 0) => mul(lit(2.0), call(ops("sum_all"), &[mul(a(0), d)])),
        (_, "exp2", 0) => mul(mul(r, lit(std::f64::consts::LN_2)), d),
        (_, "exp_m1", 0) => mul(add(r, lit(1.0)), d),
        (_, "ln_1p", 0) => div(d, add(lit(1.0), a(0))),
        (_, "log", 0) => div(d, mul(a(0), un("ln", a(1)))),
        (_, "log", 1) => neg(mul(div(r, mul(a(1), un("ln", a(1)))), d)),
        (_, "asinh", 0) => div(d, un("sqrt", add(mul(a(0), a(0)), lit(1.0)))),
        (_, "acosh", 0) => div(d, un("sqrt", sub(mul(a(0), a(0)), lit(1.0)))),
        (_, "atanh", 0) => div(d, sub(lit(1.0), mul(a(0), a(0)))),
        (_, "to_degrees", 0) => mul(lit(180.0 / std::f64::consts::PI), d),
        (_, "to_radians", 0) => mul(lit(std::f64::consts::PI / 180.0), d),
        (_, "signum" | "floor" | "ceil" | "round" | "trunc", 0) => un("zeros_like", r),
        (_, "fract", 0) => un("to_owned", d),
        // The mask of the argument that receives the derivative (ties go to `x`).
        (_, "clamp", k) => {
            let below = un("step", sub(a(1), a(0)));
            let above = un("step", sub(a(0), a(2)));
            let not_below = sub(lit(1.0), below.clone());
            let mask = match k {
                0 => mul(not_below, sub(lit(1.0), above)),
                1 => below,
                _ => mul(not_below, above),
            };
            mul(mask, d)
        }
        (_, "var", 0) => var_tangent(float, &a(0), &s(0), &d),
        (_, "std", 0) => div(var_tangent(float, &a(0), &s(0), &d), mul(lit(2.0), r)),
        _ => return None,
    };
    Some(t)
}

/// `2 sum((a - mean a) d) / (n - ddof)`: the tangent of the variance.
fn var_tangent(float: &Float, a: &TokenStream, ddof: &TokenStream, d: &TokenStream) -> TokenStream {
    let lit = |x: f64| float.lit(x);
    let centered = sub(a.clone(), un("mean", a.clone()));
    let scale = quote!(::hype::rt::ddof_scale(&#a, #ddof));
    mul(mul(lit(2.0), un("sum", mul(centered, d.clone()))), scale)
}

/// gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2), t = tanh(c (x + k x^3)):
/// the runtime's `gelu_factor` (same constants) in primitives.
fn gelu_factor(float: &Float, x: &TokenStream) -> TokenStream {
    let lit = |x: f64| float.lit(x);
    const C: f64 = 0.797_884_560_802_865_4;
    const K: f64 = 0.044_715;
    let x2 = mul(x.clone(), x.clone());
    let inner = add(x.clone(), mul(mul(x2.clone(), x.clone()), lit(K)));
    let t = un("tanh", mul(inner, lit(C)));
    let left = mul(add(t.clone(), lit(1.0)), lit(0.5));
    let du = mul(add(mul(x2, lit(3.0 * K)), lit(1.0)), lit(C));
    let right = mul(
        mul(mul(x.clone(), lit(0.5)), sub(lit(1.0), mul(t.clone(), t))),
        du,
    );
    add(left, right)
}

/// `expand_last(x, n)` with `n` the last-axis length of `like`.
fn expand_last(x: TokenStream, like: &TokenStream) -> TokenStream {
    quote!(::hype::ops::expand_last(&#x, ::hype::ops::last_len(&#like)))
}

/// `rowsum(softmax(z) * d)` spread over the rows: the part of the tangent of
/// `log_softmax(z)` that every entry of a row shares.
fn log_softmax_row_term(z: &TokenStream, d: &TokenStream) -> TokenStream {
    let sd = mul(call(ops("softmax"), std::slice::from_ref(z)), d.clone());
    expand_last(call(ops("sum_last"), &[sd]), z)
}

/// `&x` → `x`; anything else is wrapped in parentheses and dereferenced by `call`'s
/// own borrow, which the transform sees through.
fn deref(t: &TokenStream) -> TokenStream {
    let mut it = t.clone().into_iter();
    match it.next() {
        Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '&' => it.collect(),
        _ => quote!((#t)),
    }
}
