//! `#[derive(Tangent)]`: the vector-space operations of a struct, field by field.
//!
//! For a struct (named fields, tuple or unit) whose field types implement
//! `hype::Tangent`, this emits `impl ::hype::Tangent for S` (every method applied to
//! each field in declaration order, so flattening concatenates the fields in that order)
//! and `impl ::hype::HasTangent for S` with `type Tangent = S`. For a generic struct,
//! every field type gets a `FieldType: ::hype::Tangent` bound. `Tangent` requires
//! `Clone`, which the user derives as usual.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Member};

/// Expands `#[derive(Tangent)]` on `input`; enums and unions are a compile error.
pub fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    let fields = match &input.data {
        Data::Struct(s) => &s.fields,
        Data::Enum(e) => {
            let ident = &input.ident;
            let enum_token = e.enum_token;
            return Err(syn::Error::new_spanned(
                quote!(#enum_token #ident),
                "derive(Tangent) supports structs only: an enum has no vector-space structure \
                 (write a struct of its differentiable parts instead)",
            ));
        }
        Data::Union(u) => {
            let ident = &input.ident;
            let union_token = u.union_token;
            return Err(syn::Error::new_spanned(
                quote!(#union_token #ident),
                "derive(Tangent) supports structs only, not unions",
            ));
        }
    };

    let members: Vec<Member> = match fields {
        Fields::Named(named) => named
            .named
            .iter()
            .map(|f| Member::Named(f.ident.clone().expect("named field has an ident")))
            .collect(),
        Fields::Unnamed(unnamed) => (0..unnamed.unnamed.len())
            .map(|i| {
                Member::Unnamed(syn::Index {
                    index: i as u32,
                    span: Span::call_site(),
                })
            })
            .collect(),
        Fields::Unit => Vec::new(),
    };
    let spans: Vec<Span> = fields.iter().map(|f| f.ty.span()).collect();

    let ident = &input.ident;
    let mut generics = input.generics.clone();
    if generics.type_params().next().is_some() || generics.const_params().next().is_some() {
        let where_clause = generics.make_where_clause();
        for f in fields.iter() {
            let ty = &f.ty;
            where_clause
                .predicates
                .push(syn::parse_quote_spanned!(ty.span()=> #ty: ::hype::Tangent));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    // One expression or statement per field, spanned at the field's type so that a field
    // whose type is not a tangent type is reported there.
    macro_rules! per_field {
        ($m:ident => $($body:tt)*) => {
            members
                .iter()
                .zip(&spans)
                .map(|($m, sp)| quote_spanned!(*sp=> $($body)*))
                .collect::<Vec<TokenStream>>()
        };
    }

    let zero_like = per_field!(m => #m: ::hype::Tangent::zero_like(&self.#m));
    let add_assign = per_field!(m => ::hype::Tangent::add_assign_tangent(&mut self.#m, &other.#m););
    let scale = per_field!(m => ::hype::Tangent::scale(&mut self.#m, a););
    let axpy = per_field!(m => ::hype::Tangent::axpy(&mut self.#m, a, &x.#m););
    let inner = per_field!(m => + ::hype::Tangent::inner(&self.#m, &other.#m));
    let flat_len = per_field!(m => + ::hype::Tangent::flat_len(&self.#m));
    let write_flat = per_field!(m => ::hype::Tangent::write_flat(&self.#m, out););
    let read_flat = per_field!(m => #m: ::hype::Tangent::read_flat(&self.#m, flat, pos));
    let lazy_zero = per_field!(m => #m: ::hype::Tangent::lazy_zero_like(&self.#m));
    let acc_move = per_field!(m => ::hype::Tangent::acc_move(&mut self.#m, other.#m););
    let densify = per_field!(m => ::hype::Tangent::densify_like(&mut self.#m, &like.#m););

    Ok(quote! {
        #[automatically_derived]
        #[allow(unused_variables)]
        impl #impl_generics ::hype::Tangent for #ident #ty_generics #where_clause {
            fn zero_like(&self) -> Self {
                Self { #(#zero_like,)* }
            }
            fn add_assign_tangent(&mut self, other: &Self) {
                #(#add_assign)*
            }
            fn scale(&mut self, a: f64) {
                #(#scale)*
            }
            fn axpy(&mut self, a: f64, x: &Self) {
                #(#axpy)*
            }
            fn inner(&self, other: &Self) -> f64 {
                0.0 #(#inner)*
            }
            fn flat_len(&self) -> usize {
                0 #(#flat_len)*
            }
            fn write_flat(&self, out: &mut ::std::vec::Vec<f64>) {
                #(#write_flat)*
            }
            fn read_flat(&self, flat: &[f64], pos: &mut usize) -> Self {
                Self { #(#read_flat,)* }
            }
            #[inline]
            fn lazy_zero_like(&self) -> Self {
                Self { #(#lazy_zero,)* }
            }
            #[inline]
            fn acc_move(&mut self, other: Self) {
                #(#acc_move)*
            }
            #[inline]
            fn densify_like(&mut self, like: &Self) {
                #(#densify)*
            }
        }

        #[automatically_derived]
        impl #impl_generics ::hype::HasTangent for #ident #ty_generics #where_clause {
            type Tangent = Self;
            fn zero_tangent(&self) -> Self {
                ::hype::Tangent::zero_like(self)
            }
            #[inline]
            fn lazy_zero_tangent(&self) -> Self {
                ::hype::Tangent::lazy_zero_like(self)
            }
            #[inline]
            fn densify(&self, t: &mut Self) {
                ::hype::Tangent::densify_like(t, self)
            }
        }
    })
}
