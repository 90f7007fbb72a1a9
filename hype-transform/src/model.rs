//! `model!`: a feed-forward model from a chain of layers, whose sizes the compiler
//! checks.
//!
//! ```text
//! hype::model! {
//!     pub struct Mlp = Linear<784, 300> -> Tanh -> Linear<300, 100> -> Relu -> Linear<100, 10>;
//! }
//! ```
//!
//! gives a `#[derive(Tangent)]` struct with one field per parametric layer (`l0`,
//! `l1`, ...), `Mlp::new(init, seed)` and a `#[differentiable]` `forward(&self, x)`.
//! Consecutive layers whose sizes do not chain are a compile error naming both.
//! `Rnn<IN, H>`, `Lstm<IN, H>` and `Gru<IN, H>` chain like `Linear` (`Lstm<28, 64> ->
//! Linear<64, 10>`); a model with one takes one sequence `[T, IN]` and gives one row
//! per step.
//!
//! `pub struct Mlp<F> = Linear<4, 8> -> Tanh -> Linear<8, 3>;` makes the model generic
//! over the float type: `Mlp<f32>` or `Mlp<f64>` (the default), its bare `Linear`
//! layers `Linear<IN, OUT, F>` (fine in a test or binary crate in every profile; the
//! same generic code in a library crate stopped rustc 1.95's release build with an
//! internal error). `struct Mlp32<f32> = ...` is a model in `f32` (not generic).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;

/// hype's recurrent layers, `Name<IN, H>`: a model with one takes a single sequence
/// `[T, IN]` (rows are steps) and the layer gives one row per step.
const RECURRENT: &[&str] = &["Rnn", "Lstm", "Gru"];

/// Activations that need no parameters, by name, and the `hype::ops` function each is.
const ACTIVATIONS: &[(&str, &str)] = &[
    ("Tanh", "tanh"),
    ("Relu", "relu"),
    ("Sigmoid", "sigmoid"),
    ("Softplus", "softplus"),
    ("Gelu", "gelu"),
];

struct ModelDef {
    attrs: Vec<syn::Attribute>,
    vis: syn::Visibility,
    name: syn::Ident,
    /// `struct Name<F>`: the model is generic over its float type `F`.
    float: Option<syn::Ident>,
    layers: Vec<syn::Type>,
}

impl Parse for ModelDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(syn::Attribute::parse_outer)?;
        let vis: syn::Visibility = input.parse()?;
        input.parse::<syn::Token![struct]>()?;
        let name: syn::Ident = input.parse()?;
        let float = if input.peek(syn::Token![<]) {
            input.parse::<syn::Token![<]>()?;
            let f: syn::Ident = input.parse()?;
            input.parse::<syn::Token![>]>()?;
            Some(f)
        } else {
            None
        };
        input.parse::<syn::Token![=]>()?;
        let mut layers = vec![input.parse::<syn::Type>()?];
        while input.peek(syn::Token![->]) {
            input.parse::<syn::Token![->]>()?;
            layers.push(input.parse()?);
        }
        if !input.is_empty() {
            input.parse::<syn::Token![;]>()?;
        }
        if !input.is_empty() {
            return Err(
                input.error("hype: model! takes one `struct Name = Layer -> Layer -> ...;`")
            );
        }
        Ok(ModelDef {
            attrs,
            vis,
            name,
            float,
            layers,
        })
    }
}

#[allow(clippy::large_enum_variant)] // built once per layer at expansion time
enum Layer {
    /// `Linear<IN, OUT>`: sizes as written.
    Linear {
        ty: syn::Type,
        input: syn::Expr,
        output: syn::Expr,
        /// Written as a bare `Linear<..>`: hype's layer, whose product is inlined.
        builtin: bool,
    },
    Activation {
        op: syn::Ident,
    },
}

fn classify(ty: &syn::Type, float: Option<&syn::Ident>) -> syn::Result<Layer> {
    let syn::Type::Path(tp) = ty else {
        return Err(syn::Error::new(ty.span(), "hype: a model layer is `Linear<IN, OUT>` or an activation (Tanh, Relu, Sigmoid, Softplus, Gelu)"));
    };
    let last = tp.path.segments.last().expect("paths are not empty");
    let name = last.ident.to_string();
    if let Some((_, op)) = ACTIVATIONS.iter().find(|(n, _)| *n == name) {
        return Ok(Layer::Activation {
            op: syn::Ident::new(op, last.ident.span()),
        });
    }
    if name == "Linear" || RECURRENT.contains(&name.as_str()) {
        if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
            let sizes: Vec<syn::Expr> = a
                .args
                .iter()
                .filter_map(|g| match g {
                    syn::GenericArgument::Const(e) => Some(e.clone()),
                    syn::GenericArgument::Type(syn::Type::Path(p)) => {
                        Some(syn::Expr::Path(syn::ExprPath {
                            attrs: Vec::new(),
                            qself: None,
                            path: p.path.clone(),
                        }))
                    }
                    _ => None,
                })
                .collect();
            if sizes.len() == 2 {
                // A bare `Linear`, `Rnn`, `Lstm` or `Gru` means hype's layer; only
                // `Linear`'s product is inlined.
                let bare = tp.path.segments.len() == 1 && tp.qself.is_none();
                let builtin = bare && name == "Linear";
                // hype's own layers take the float type as a third parameter.
                if let (Some(f), false) = (float, bare) {
                    return Err(syn::Error::new(
                        ty.span(),
                        format!("hype: model `..<{f}>` is generic over its float type, which only hype's bare `Linear<IN, OUT>`, `Rnn`, `Lstm` and `Gru` layers are; this `{name}` is f64 (drop `<{f}>`, or name hype's layer bare)"),
                    ));
                }
                let ty = if bare {
                    let ident = &last.ident;
                    match float {
                        Some(f) => {
                            let (i, o) = (&sizes[0], &sizes[1]);
                            syn::parse_quote_spanned!(ty.span()=> ::hype::nn::#ident<#i, #o, #f>)
                        }
                        None => {
                            let args = &last.arguments;
                            syn::parse_quote_spanned!(ty.span()=> ::hype::nn::#ident #args)
                        }
                    }
                } else {
                    ty.clone()
                };
                return Ok(Layer::Linear {
                    ty,
                    input: sizes[0].clone(),
                    output: sizes[1].clone(),
                    builtin,
                });
            }
        }
        return Err(syn::Error::new(
            ty.span(),
            format!("hype: write a {name} layer as `{name}<IN, OUT>`"),
        ));
    }
    Err(syn::Error::new(
        last.ident.span(),
        format!("hype: `{name}` is not a model layer; layers are `Linear<IN, OUT>`, the recurrent `Rnn<IN, H>`, `Lstm<IN, H>`, `Gru<IN, H>` (one sequence `[T, IN]`, one row per step) and the activations Tanh, Relu, Sigmoid, Softplus, Gelu"),
    ))
}

fn literal(e: &syn::Expr) -> Option<u128> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        syn::Expr::Block(b) if b.block.stmts.len() == 1 => match &b.block.stmts[0] {
            syn::Stmt::Expr(e, None) => literal(e),
            _ => None,
        },
        _ => None,
    }
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let def: ModelDef = syn::parse2(input)?;
    let layers: Vec<Layer> = def
        .layers
        .iter()
        .map(|t| classify(t, def.float.as_ref()))
        .collect::<syn::Result<_>>()?;
    let name = &def.name;
    let vis = &def.vis;
    let attrs = &def.attrs;
    // `<F: Float = f64>` on the struct, `<F: Float>` on the impl, `F` in the arrays.
    let concrete = def.float.as_ref().is_some_and(|f| f == "f32" || f == "f64");
    let (struct_generics, impl_generics, ty_generics, elem) = match &def.float {
        Some(f) if concrete => (quote!(), quote!(), quote!(), quote!(#f)),
        Some(f) => (
            quote!(<#f: ::hype::Float = f64>),
            quote!(<#f: ::hype::Float>),
            quote!(<#f>),
            quote!(#f),
        ),
        None => (quote!(), quote!(), quote!(), quote!(f64)),
    };
    let float_bound = def
        .float
        .as_ref()
        .filter(|_| !concrete)
        .map(|f| quote!(where #f: ::hype::Float));

    // Sizes must chain: each linear layer takes what the previous one gives.
    let mut checks = Vec::new();
    let mut prev: Option<(usize, &syn::Type, &syn::Expr)> = None;
    for (k, (layer, ty)) in layers.iter().zip(&def.layers).enumerate() {
        if let Layer::Linear { input, output, .. } = layer {
            if let Some((pk, pty, pout)) = prev {
                match (literal(pout), literal(input)) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(syn::Error::new(
                            ty.span(),
                            format!(
                                "hype: model `{name}` does not chain: layer {} `{}` takes {b} inputs, but layer {} `{}` before it gives {a} outputs",
                                k + 1,
                                ty.to_token_stream().to_string().replace(' ', ""),
                                pk + 1,
                                pty.to_token_stream().to_string().replace(' ', ""),
                            ),
                        ));
                    }
                    (Some(_), Some(_)) => {}
                    _ => checks.push(quote_spanned!(ty.span()=>
                        // Sizes given by constants: checked by the compiler's array lengths.
                        const _: [(); #pout] = [(); #input];
                    )),
                }
            }
            prev = Some((k, ty, output));
        }
    }
    let Some(first_in) = layers.iter().find_map(|l| match l {
        Layer::Linear { input, .. } => Some(input.clone()),
        _ => None,
    }) else {
        return Err(syn::Error::new(
            Span::call_site(),
            "hype: a model needs at least one Linear layer",
        ));
    };
    let last_out = layers
        .iter()
        .rev()
        .find_map(|l| match l {
            Layer::Linear { output, .. } => Some(output.clone()),
            _ => None,
        })
        .expect("there is a linear layer");

    let mut fields = Vec::new();
    let mut inits = Vec::new();
    let mut steps = Vec::new();
    let mut current = quote!(x);
    let mut n = 0usize;
    for (k, layer) in layers.iter().enumerate() {
        let h = format_ident!("h{}", k);
        match layer {
            Layer::Linear {
                ty, builtin: true, ..
            } => {
                let f = format_ident!("l{}", n);
                let seed_offset = n as u64;
                fields.push(quote!(pub #f: #ty));
                inits.push(quote!(#f: <#ty>::new(init, seed.wrapping_add(#seed_offset))));
                // hype's layer, inlined: the product and the bias in this function,
                // so the reverse sweep keeps no call whose input is a local (which it
                // would have to run again). Widths chain by construction; the input's
                // is checked below.
                steps.push(quote!(let #h = #current.dot(&self.#f.w) + &self.#f.b;));
                n += 1;
            }
            Layer::Linear { ty, .. } => {
                let f = format_ident!("l{}", n);
                let seed_offset = n as u64;
                fields.push(quote!(pub #f: #ty));
                inits.push(quote!(#f: <#ty>::new(init, seed.wrapping_add(#seed_offset))));
                // `path::Linear::forward(..)`: the sizes are inferred from the field.
                let mut path = match ty {
                    syn::Type::Path(tp) => tp.path.clone(),
                    _ => unreachable!("linear layers are paths"),
                };
                if let Some(last) = path.segments.last_mut() {
                    last.arguments = syn::PathArguments::None;
                }
                steps.push(quote!(let #h = #path::forward(&self.#f, &#current);));
                n += 1;
            }
            Layer::Activation { op } => {
                steps.push(quote!(let #h = ::hype::ops::#op(&#current);));
            }
        }
        current = quote!(#h);
    }
    let name_str = name.to_string();
    let first_ty = def
        .layers
        .iter()
        .zip(&layers)
        .find(|(_, l)| matches!(l, Layer::Linear { .. }))
        .map(|(t, _)| {
            t.to_token_stream()
                .to_string()
                .replace(' ', "")
                .replace(',', ", ")
        })
        .unwrap_or_default();
    let doc = format!(
        "Model `{}`: {}.",
        name,
        def.layers
            .iter()
            .map(|t| t.to_token_stream().to_string().replace(' ', ""))
            .collect::<Vec<_>>()
            .join(" -> ")
    );
    Ok(quote! {
        #(#attrs)*
        #[doc = #doc]
        #[derive(Clone, Debug, ::hype::Tangent)]
        #vis struct #name #struct_generics {
            #(#fields,)*
        }

        #(#checks)*

        impl #impl_generics #name #ty_generics {
            /// Width of the input.
            pub const INPUT: usize = #first_in;
            /// Width of the output.
            pub const OUTPUT: usize = #last_out;

            /// A model with weights drawn by `init`; layer `k` uses seed `seed + k`.
            pub fn new(init: ::hype::nn::Init, seed: u64) -> Self {
                Self { #(#inits,)* }
            }

            /// The forward pass on a batch (rows are examples).
            #[::hype::differentiable(order = 2)]
            pub fn forward(&self, x: &::hype::ndarray::Array2<#elem>) -> ::hype::ndarray::Array2<#elem> #float_bound {
                assert!(
                    x.ncols() == #first_in,
                    "hype: model {}: layer {} got an input with {} columns, expected {}",
                    #name_str,
                    #first_ty,
                    x.ncols(),
                    #first_in
                );
                #(#steps)*
                #current
            }
        }
    })
}
