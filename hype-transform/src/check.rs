//! Checks of the whole body before lowering: constructs outside the supported subset
//! are errors wherever they appear (even in code that looks constant, so that no
//! derivative is ever dropped silently). All errors are reported together.

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::Expr;

struct Checker {
    errors: Vec<syn::Error>,
}

/// Constructs that are outside the supported subset, with what to do instead.
pub fn unsupported(e: &Expr) -> Option<&'static str> {
    Some(match e {
        Expr::Closure(_) => "hype: closures are supported in #[differentiable] code bound to a local (`let f = |x| ..;`, then called), as arguments of `map`, `fold` and `mapv`, and of derivative operators (grad!, jvp!, ...); or write a separate #[differentiable] function",
        Expr::Unsafe(_) => "hype: `unsafe` blocks cannot be differentiated; move the unsafe code into a function with a custom rule",
        Expr::Async(_) => "hype: `async` blocks cannot be differentiated; differentiate a synchronous function",
        Expr::Await(_) => "hype: `.await` cannot be differentiated; differentiate a synchronous function",
        Expr::Try(_) => "hype: the `?` operator is not supported in #[differentiable] code; return plain values",
        Expr::TryBlock(_) => "hype: `try` blocks are not supported in #[differentiable] code",
        Expr::Yield(_) => "hype: `yield` is not supported in #[differentiable] code",
        Expr::Return(_) => "hype: `return` is supported at the top level of the function or inside `if` branches there, not inside loops or nested expressions; use a variable and `break`",
        Expr::Break(_) => "hype: `break` is supported as a statement of a loop body or of an `if` inside it",
        Expr::Continue(_) => "hype: `continue` is supported as a statement of a loop body or of an `if` inside it",
        Expr::Let(_) => "hype: `let` in a condition (`if let`, `while let`) is not supported in #[differentiable] code; use `if` on a boolean",
        _ => return None,
    })
}

/// Methods whose closure arguments the transform rewrites ([`crate::iterators`]).
const CLOSURE_METHODS: &[&str] = &["map", "filter", "mapv", "mapv_into", "fold"];

impl<'ast> Visit<'ast> for Checker {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if let Expr::MethodCall(m) = e {
            if CLOSURE_METHODS.contains(&m.method.to_string().as_str()) {
                self.visit_expr(&m.receiver);
                for a in &m.args {
                    match a {
                        Expr::Closure(c) => self.visit_expr(&c.body),
                        other => self.visit_expr(other),
                    }
                }
                return;
            }
            let closure = m.args.iter().find(|a| matches!(a, Expr::Closure(_)));
            if let Some(c) = closure {
                self.errors.push(syn::Error::new(
                    c.span(),
                    format!("hype: `{}` with a closure is not supported in #[differentiable] code; the iterator adapters that take closures are `map`, `filter` and `fold` (and `mapv` on arrays); or write a loop", m.method),
                ));
                self.visit_expr(&m.receiver);
                return;
            }
        }
        if let Some(msg) = unsupported(e) {
            self.errors.push(syn::Error::new(e.span(), msg));
            return;
        }
        syn::visit::visit_expr(self, e);
    }

    /// `let f = |..| ..;`: a closure bound to a local is inlined where it is called.
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            if let Expr::Closure(c) = &*init.expr {
                self.visit_expr(&c.body);
                return;
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.errors.push(syn::Error::new(
            item.span(),
            "hype: items (fn, struct, use, ...) inside a #[differentiable] body are not supported; move them outside the function",
        ));
    }
}

/// Checks a function body; all errors combined.
pub fn body(block: &syn::Block) -> syn::Result<()> {
    let mut c = Checker { errors: Vec::new() };
    c.visit_block(block);
    match c.errors.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    }) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
