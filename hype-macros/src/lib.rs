//! Procedural macros of Hype: `#[differentiable]`, `#[derive(Tangent)]` and the
//! derivative operators (`grad!`, `jvp!`, `vjp!`, ...).
//!
//! The transform itself lives in the `hype-transform` library (parse → check → IR with
//! activity analysis → forward and reverse emitters); these are thin wrappers.

use proc_macro::TokenStream;

/// Makes a function differentiable: the function itself is emitted unchanged, and
/// its derivative code is generated next to it at compile time (see the crate docs
/// of `hype` for the supported subset of Rust).
///
/// Parameters of type f64, ndarray arrays, slices, fixed-size arrays and `Vec`s of
/// f64, tuples and `Tangent` structs are active (a slice's gradient is a `Vec`);
/// integers and booleans are constants; `#[constant]` makes any parameter a constant.
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    hype_transform::differentiable(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Gives a function derivative rules written by hand, for code the transform cannot
/// see into: `#[custom_rule(forward = f_fwd, reverse = f_rev)]`. `f_fwd(args..,
/// tangents..) -> (value, tangent)` follows `jvp!`, `f_rev(args..) -> (value,
/// pullback)` follows `vjp!`. Both are required, so that no mode is blocked.
#[proc_macro_attribute]
pub fn custom_rule(attr: TokenStream, item: TokenStream) -> TokenStream {
    hype_transform::custom_rule(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The contract test of the primitive table (one `#[test]` per primitive: its rules
/// against differences and against each other); used by the test suite.
#[doc(hidden)]
#[proc_macro]
pub fn __primitive_contract(_input: TokenStream) -> TokenStream {
    hype_transform::contract::tests()
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A feed-forward model from a chain of layers, with sizes checked at compile time:
///
/// ```text
/// hype::model! {
///     pub struct Mlp = Linear<784, 300> -> Tanh -> Linear<300, 100> -> Tanh -> Linear<100, 10>;
/// }
/// ```
///
/// gives a `#[derive(Tangent)]` struct (fields `l0`, `l1`, ... for the linear layers),
/// `Mlp::new(init, seed)` and a `#[differentiable]` `forward(&self, x)`. Layers whose
/// sizes do not chain are a compile error that names both layers and both sizes.
#[proc_macro]
pub fn model(input: TokenStream) -> TokenStream {
    hype_transform::model(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

macro_rules! operator {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[proc_macro]
        pub fn $name(input: TokenStream) -> TokenStream {
            hype_transform::operator(input.into(), stringify!($name))
                .unwrap_or_else(syn::Error::into_compile_error)
                .into()
        }
    };
}

operator!(
    /// `grad!(f)(args..)`: the gradient of a scalar-valued `#[differentiable]` function
    /// with respect to its active parameters (one value, or a tuple in parameter order).
    grad
);
operator!(
    /// `value_and_grad!(f)(args..)`: `(f(args..), grad!(f)(args..))` in one sweep.
    value_and_grad
);
operator!(
    /// `jvp!(f)(args.., tangents..)`: forward mode; `(value, directional derivative)`,
    /// one tangent per active parameter after the arguments.
    jvp
);
operator!(
    /// `vjp!(f)(args..)`: reverse mode; `(value, pullback)` where `pullback(&ybar)`
    /// gives the cotangents of the active parameters.
    vjp
);
operator!(
    /// `gradv!(f)(args.., v..)`: the directional derivative of `f` along `v`.
    gradv
);
operator!(
    /// `diff!(f)(x)`: the derivative of `f` with respect to its one scalar active parameter.
    diff
);
operator!(
    /// `jacobian!(f)(x)`: the Jacobian matrix (rows: outputs, columns: inputs), by
    /// forward mode when there are fewer inputs than outputs, else by reverse mode.
    jacobian
);
operator!(
    /// `jacobian_t_v!(f)(x, &v)`: the transposed-Jacobian-vector product `J(x)ᵀ v`.
    jacobian_t_v
);

/// Derives `hype::Tangent` (and `hype::HasTangent`) for a struct whose fields are
/// themselves tangent types (f64, arrays, nested `Tangent` structs, `Vec`s of them).
#[proc_macro_derive(Tangent)]
pub fn derive_tangent(input: TokenStream) -> TokenStream {
    hype_transform::derive_tangent(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
operator!(
    /// `hvp!(f)(args.., &v..)`: the Hessian-vector product `H(x) v` of a scalar function
    /// (reverse mode over forward mode; no Hessian is formed). Needs
    /// `#[differentiable(order = 2)]` on `f` and on the functions it calls.
    hvp
);
operator!(
    /// `hessian!(f)(args..)`: the Hessian of a scalar function of one active parameter
    /// (rows and columns in the flat order of the parameter), one `hvp!` per column.
    /// Needs `#[differentiable(order = 2)]`.
    hessian
);
operator!(
    /// `diff2!(f)(x)`: the second derivative with respect to one scalar parameter.
    /// Needs `#[differentiable(order = 2)]`.
    diff2
);
operator!(
    /// `diffn!(n, f)(x)`: the n-th derivative with respect to one scalar parameter.
    /// Needs `#[differentiable(order = n)]` (n ≥ 1).
    diffn
);
operator!(
    /// `grad_hessian!(f)(x)`: `(grad!(f)(x), hessian!(f)(x))`.
    grad_hessian
);
operator!(
    /// `laplacian!(f)(x)`: the trace of the Hessian of a scalar function of one
    /// parameter. Needs `#[differentiable(order = 2)]`.
    laplacian
);
operator!(
    /// `curl!(f)(x)`: the curl of a vector field from 3 to 3 dimensions (from its
    /// Jacobian).
    curl
);
operator!(
    /// `div!(f)(x)`: the divergence of a vector field (the trace of its Jacobian).
    div
);
