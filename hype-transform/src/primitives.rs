//! The primitives: one declaration each, with every spelling the transform accepts
//! and the properties the emitters need (after JAX's `lax.py`, where a primitive is
//! declared once next to its rules).
//!
//! A primitive `op` lives in the runtime as `MODULE::op(values.., statics..)` with the
//! rules `op_jvp{k}` and `op_vjp{k}` for every differentiable value argument `k`
//! (`hype-runtime/src/rt/mod.rs` gives the calling convention); its tangent rule in
//! primitives, for second order, is in [`crate::dir_rules`]. The contract test
//! (`tests/primitive_contract.rs`, generated from [`PRIMITIVES`] by
//! `hype::__primitive_contract!`) calls every one of them against central differences,
//! so a missing or wrong rule fails a test, not a user's build.

/// Where a primitive's function and rules live.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Module {
    /// `::hype::rt`: operators and methods of f64 and arrays.
    Rt,
    /// `::hype::ops`: the functions users call as `ops::name(..)`.
    Ops,
}

impl Module {
    pub fn path(self) -> proc_macro2::TokenStream {
        match self {
            Module::Rt => quote::quote!(::hype::rt),
            Module::Ops => quote::quote!(::hype::ops),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Module::Rt => "rt",
            Module::Ops => "ops",
        }
    }
}

/// What the adjoint rules read of the primal (the to-be-recorded analysis): shapes
/// never count.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reads {
    /// Every argument and the result.
    All,
    /// Nothing but shapes (`+`, `-`, sums).
    Nothing,
    /// Rule `k` reads only the other operand of a product (`*`, `dot`).
    OtherOperand,
    /// Rule 0 reads argument 1 (`/`'s numerator rule), rule 1 reads everything.
    Divisor,
}

/// How user code writes a primitive.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Spelling {
    /// A method of f64 and arrays, `x.exp()` (also `f64::exp(x)`); the receiver is
    /// value argument 0.
    Method(&'static str),
    /// `ops::name(..)` / `hype::ops::name(..)`; `bare` also accepts `name(..)`.
    OpsFn { bare: bool },
    /// A path derivative code writes, `::hype::rt::name(..)` (`t_owned` for `t`).
    RtPath(&'static str),
}

pub struct Primitive {
    /// The op, and the base name of its rules.
    pub op: &'static str,
    pub module: Module,
    pub spellings: &'static [Spelling],
    /// Leading value arguments (with the receiver).
    pub values: usize,
    /// Static arguments after them (an axis, an integer exponent); for functions of
    /// `ops` the count is not enforced (`elu(x, alpha)`).
    pub statics: usize,
    /// Value arguments that carry no derivative (shape templates).
    pub nondiff: &'static [usize],
    pub reads: Reads,
    /// A view of its first argument: of a local it is taken as an owned copy
    /// (`{op}_owned`), since the backward sweep moves locals.
    pub view: bool,
    /// The adjoint accumulates in place: `{op}_acc{k}(&mut slot, values.., statics..,
    /// &r, &g)` adds `{op}_vjp{k}` into the slot (gemm with beta = 1, a slice's part),
    /// writing it when the slot is empty.
    pub acc_in_place: bool,
    /// A loop body that the backward sweep recomputes keeps this op's value on a tape
    /// instead (copied in the forward sweep, popped in the backward one): a matrix
    /// product costs more to compute again than to copy.
    pub kept_in_loops: bool,
    /// Example arguments (Rust expressions) for the contract test: values, then statics.
    pub sample: &'static [&'static str],
    /// The rules are not the derivative of the function by design (`stop_gradient`):
    /// the contract test skips the comparison with differences.
    pub not_the_derivative: bool,
}

const fn p(op: &'static str, spellings: &'static [Spelling], values: usize) -> Primitive {
    Primitive {
        op,
        module: Module::Rt,
        spellings,
        values,
        statics: 0,
        nondiff: &[],
        reads: Reads::All,
        view: false,
        acc_in_place: false,
        kept_in_loops: false,
        sample: &[],
        not_the_derivative: false,
    }
}

impl Primitive {
    const fn ops(mut self) -> Self {
        self.module = Module::Ops;
        self
    }
    const fn statics(mut self, n: usize) -> Self {
        self.statics = n;
        self
    }
    const fn reads(mut self, r: Reads) -> Self {
        self.reads = r;
        self
    }
    const fn view(mut self) -> Self {
        self.view = true;
        self
    }
    const fn nondiff(mut self, ks: &'static [usize]) -> Self {
        self.nondiff = ks;
        self
    }
    const fn acc_in_place(mut self) -> Self {
        self.acc_in_place = true;
        self
    }
    const fn kept_in_loops(mut self) -> Self {
        self.kept_in_loops = true;
        self
    }
    const fn not_the_derivative(mut self) -> Self {
        self.not_the_derivative = true;
        self
    }
    const fn sample(mut self, s: &'static [&'static str]) -> Self {
        self.sample = s;
        self
    }

    /// The method spelling, if any.
    pub fn method(&self) -> Option<&'static str> {
        self.spellings.iter().find_map(|s| match s {
            Spelling::Method(m) => Some(*m),
            _ => None,
        })
    }

    /// Whether value argument `k` has a derivative.
    pub fn differentiable_arg(&self, k: usize) -> bool {
        !self.nondiff.contains(&k)
    }
}

use Spelling::{Method as M, OpsFn, RtPath as P};

const ELEMENTWISE_OPS: Spelling = OpsFn { bare: false };
const BARE: Spelling = OpsFn { bare: true };

/// Every primitive. Samples: a vector for elementwise ops (scalars are tested through
/// the same generic rules), matrices where the op needs two axes.
pub const PRIMITIVES: &[Primitive] = &[
    // ---- arithmetic (operators) ----
    p("add", &[P("add")], 2)
        .reads(Reads::Nothing)
        .sample(&["array![0.3, -1.2, 2.0]", "array![[0.5], [1.5]]"]),
    p("sub", &[P("sub")], 2)
        .reads(Reads::Nothing)
        .sample(&["array![0.3, -1.2, 2.0]", "0.7"]),
    p("mul", &[P("mul")], 2)
        .reads(Reads::OtherOperand)
        .sample(&["array![0.3, -1.2, 2.0]", "array![[0.5], [1.5]]"]),
    p("div", &[P("div")], 2)
        .reads(Reads::Divisor)
        .sample(&["array![0.3, -1.2, 2.0]", "array![1.5, 0.8, -2.5]"]),
    p("neg", &[P("neg")], 1)
        .reads(Reads::Nothing)
        .sample(&["array![0.3, -1.2, 2.0]"]),
    // ---- elementwise math: methods of f64 and arrays, and ops::name(..) ----
    p("exp", &[M("exp"), ELEMENTWISE_OPS, P("exp")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("exp2", &[M("exp2"), P("exp2")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("exp_m1", &[M("exp_m1"), P("exp_m1")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("ln", &[M("ln"), ELEMENTWISE_OPS, P("ln")], 1).sample(&["array![0.3, 1.2, 2.0]"]),
    p("ln_1p", &[M("ln_1p"), P("ln_1p")], 1).sample(&["array![0.3, -0.6, 2.0]"]),
    p("log2", &[M("log2"), ELEMENTWISE_OPS, P("log2")], 1).sample(&["array![0.3, 1.2, 2.0]"]),
    p("log10", &[M("log10"), ELEMENTWISE_OPS, P("log10")], 1).sample(&["array![0.3, 1.2, 2.0]"]),
    p("log", &[M("log"), P("log")], 2).sample(&["array![0.3, 1.2, 2.0]", "3.0"]),
    p("sqrt", &[M("sqrt"), ELEMENTWISE_OPS, P("sqrt")], 1).sample(&["array![0.3, 1.2, 2.0]"]),
    p("cbrt", &[M("cbrt"), ELEMENTWISE_OPS, P("cbrt")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("sin", &[M("sin"), ELEMENTWISE_OPS, P("sin")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("cos", &[M("cos"), ELEMENTWISE_OPS, P("cos")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("tan", &[M("tan"), ELEMENTWISE_OPS, P("tan")], 1).sample(&["array![0.3, -1.2, 0.9]"]),
    p("asin", &[M("asin"), ELEMENTWISE_OPS, P("asin")], 1).sample(&["array![0.3, -0.7, 0.5]"]),
    p("acos", &[M("acos"), ELEMENTWISE_OPS, P("acos")], 1).sample(&["array![0.3, -0.7, 0.5]"]),
    p("atan", &[M("atan"), ELEMENTWISE_OPS, P("atan")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("sinh", &[M("sinh"), ELEMENTWISE_OPS, P("sinh")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("cosh", &[M("cosh"), ELEMENTWISE_OPS, P("cosh")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("tanh", &[M("tanh"), ELEMENTWISE_OPS, P("tanh")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("asinh", &[M("asinh"), P("asinh")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("acosh", &[M("acosh"), P("acosh")], 1).sample(&["array![1.3, 1.7, 2.5]"]),
    p("atanh", &[M("atanh"), P("atanh")], 1).sample(&["array![0.3, -0.6, 0.5]"]),
    p("abs", &[M("abs"), ELEMENTWISE_OPS, P("abs")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("recip", &[M("recip"), ELEMENTWISE_OPS, P("recip")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("to_degrees", &[M("to_degrees"), P("to_degrees")], 1)
        .reads(Reads::Nothing)
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("to_radians", &[M("to_radians"), P("to_radians")], 1)
        .reads(Reads::Nothing)
        .sample(&["array![30.0, -12.0, 200.0]"]),
    // Piecewise constant: zero derivative (as JAX).
    p("signum", &[M("signum"), P("signum")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("floor", &[M("floor"), P("floor")], 1).sample(&["array![0.3, -1.2, 2.5]"]),
    p("ceil", &[M("ceil"), P("ceil")], 1).sample(&["array![0.3, -1.2, 2.5]"]),
    p("round", &[M("round"), P("round")], 1).sample(&["array![0.3, -1.2, 2.7]"]),
    p("trunc", &[M("trunc"), P("trunc")], 1).sample(&["array![0.3, -1.2, 2.5]"]),
    p("fract", &[M("fract"), P("fract")], 1)
        .reads(Reads::Nothing)
        .sample(&["array![0.3, -1.2, 2.5]"]),
    p("sign", &[P("sign")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("step", &[P("step")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("zeros_like", &[P("zeros_like")], 1).sample(&["array![0.3, -1.2, 2.0]"]),
    p("powi", &[M("powi"), P("powi")], 1)
        .statics(1)
        .sample(&["array![0.3, -1.2, 2.0]", "3"]),
    p("powf", &[M("powf"), P("powf")], 2).sample(&["array![0.3, 1.2, 2.0]", "1.7"]),
    p("max", &[M("max"), P("max")], 2)
        .sample(&["array![0.3, -1.2, 2.0]", "array![0.5, -1.5, 1.0]"]),
    p("min", &[M("min"), P("min")], 2)
        .sample(&["array![0.3, -1.2, 2.0]", "array![0.5, -1.5, 1.0]"]),
    p("clamp", &[M("clamp"), P("clamp")], 3).sample(&["array![0.3, -1.2, 2.0]", "-0.5", "1.5"]),
    p("hypot", &[M("hypot"), P("hypot")], 2)
        .sample(&["array![0.3, -1.2, 2.0]", "array![0.5, -1.5, 1.0]"]),
    p("atan2", &[M("atan2"), P("atan2")], 2)
        .sample(&["array![0.3, -1.2, 2.0]", "array![0.5, -1.5, 1.0]"]),
    p("mul_add", &[M("mul_add"), P("mul_add")], 3).sample(&[
        "array![0.3, -1.2, 2.0]",
        "array![0.5, -1.5, 1.0]",
        "0.25",
    ]),
    // ---- linear algebra, reductions, shapes ----
    p("dot", &[M("dot"), P("dot")], 2)
        .reads(Reads::OtherOperand)
        .acc_in_place()
        .kept_in_loops()
        .sample(&[
            "array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]",
            "array![[0.5, 1.0], [-1.5, 0.2], [1.0, 0.7]]",
        ]),
    p("t", &[M("t"), M("reversed_axes"), P("t_owned")], 1)
        .view()
        .reads(Reads::Nothing)
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("sum", &[M("sum"), P("sum")], 1)
        .reads(Reads::Nothing)
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("mean", &[M("mean"), P("mean")], 1)
        .reads(Reads::Nothing)
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("var", &[M("var"), P("var")], 1)
        .statics(1)
        .sample(&["array![0.3, -1.2, 2.0, 0.9]", "1.0"]),
    p("std", &[M("std"), P("std")], 1)
        .statics(1)
        .sample(&["array![0.3, -1.2, 2.0, 0.9]", "0.0"]),
    p("sum_axis", &[M("sum_axis"), P("sum_axis")], 1)
        .statics(1)
        .reads(Reads::Nothing)
        .sample(&[
            "array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]",
            "::hype::ndarray::Axis(1)",
        ]),
    p("mean_axis", &[M("mean_axis"), P("mean_axis")], 1)
        .statics(1)
        .reads(Reads::Nothing)
        .sample(&[
            "array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]",
            "::hype::ndarray::Axis(0)",
        ]),
    p(
        "insert_axis",
        &[M("insert_axis"), P("insert_axis_owned")],
        1,
    )
    .statics(1)
    .view()
    .reads(Reads::Nothing)
    .sample(&["array![0.3, -1.2, 2.0]", "::hype::ndarray::Axis(1)"]),
    p("slice", &[M("slice"), P("slice_owned")], 1)
        .statics(1)
        .view()
        .reads(Reads::Nothing)
        .acc_in_place()
        .sample(&[
            "array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]",
            "::hype::ndarray::s![.., 1..3]",
        ]),
    p("to_owned", &[P("to_owned")], 1)
        .reads(Reads::Nothing)
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("broadcast_to", &[P("broadcast_to")], 2)
        .nondiff(&[1])
        .reads(Reads::Nothing)
        .sample(&[
            "array![0.3, -1.2, 2.0]",
            "array![[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]",
        ]),
    p("sum_to", &[P("sum_to")], 2)
        .nondiff(&[1])
        .reads(Reads::Nothing)
        .sample(&[
            "array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]",
            "array![0.0, 0.0, 0.0]",
        ]),
    // ---- hype::ops ----
    p("sigmoid", &[BARE], 1)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("relu", &[BARE], 1)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("softplus", &[BARE], 1)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("elu", &[BARE], 1)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]", "1.5"]),
    p("gelu", &[BARE], 1)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("softmax", &[BARE], 1)
        .ops()
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("log_softmax", &[BARE], 1)
        .ops()
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("logsumexp", &[BARE], 1)
        .ops()
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("cross_entropy_on_linear", &[BARE], 2).ops().sample(&[
        "array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]",
        "array![[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]",
    ]),
    p("cross_entropy_on_softmax", &[BARE], 2).ops().sample(&[
        "array![[0.3, 0.2, 0.5], [0.1, 0.4, 0.5]]",
        "array![[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]",
    ]),
    p("mse", &[BARE], 2)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]", "array![0.5, -1.5, 1.0]"]),
    p("l1", &[BARE], 1)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("l2", &[BARE], 1)
        .ops()
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("stop_gradient", &[BARE], 1)
        .ops()
        .not_the_derivative()
        .sample(&["array![0.3, -1.2, 2.0]"]),
    p("tanh_tangent", &[ELEMENTWISE_OPS], 2)
        .ops()
        .sample(&["array![0.3, -0.2, 0.9]", "array![0.5, -1.5, 1.0]"]),
    p("sum_all", &[P("sum_all")], 1)
        .ops()
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("sum_last", &[P("sum_last")], 1)
        .ops()
        .sample(&["array![[0.3, -1.2, 2.0], [0.1, 0.4, -0.5]]"]),
    p("expand_last", &[P("expand_last")], 1)
        .ops()
        .statics(1)
        .sample(&["array![0.3, -1.2]", "3"]),
];

/// The primitive a method of f64/arrays names.
pub fn by_method(name: &str) -> Option<&'static Primitive> {
    PRIMITIVES.iter().find(|p| {
        p.spellings
            .iter()
            .any(|s| matches!(s, Spelling::Method(m) if *m == name))
    })
}

/// The primitive `ops::name(..)` names; `bare_call` for a call written `name(..)`.
pub fn by_ops_function(name: &str, bare_call: bool) -> Option<&'static Primitive> {
    PRIMITIVES
        .iter()
        .find(|p| {
            p.op == name
                && p.module == Module::Ops
                && p.spellings
                    .iter()
                    .any(|s| matches!(s, OpsFn { bare } if *bare || !bare_call))
        })
        .or_else(|| {
            // Elementwise math is also a function of `ops` (`ops::exp(&z)`), never bare.
            (!bare_call).then(|| {
                PRIMITIVES.iter().find(|p| {
                    p.op == name && p.module == Module::Rt && p.spellings.contains(&ELEMENTWISE_OPS)
                })
            })?
        })
}

/// The primitive that a runtime path of derivative code names
/// (`::hype::rt::t_owned` → `t`; `::hype::ops::sum_all` → `sum_all`).
pub fn by_path(module: Module, name: &str) -> Option<&'static Primitive> {
    PRIMITIVES.iter().find(|p| {
        p.module == module
            && p.spellings
                .iter()
                .any(|s| matches!(s, Spelling::RtPath(n) if *n == name))
    })
}

/// The primitive named `op` (its rules' base name) in `module`.
pub fn by_op(module: Module, op: &str) -> Option<&'static Primitive> {
    // `ops::exp` has the rules of `rt::exp` (re-exported).
    PRIMITIVES
        .iter()
        .find(|p| p.op == op && p.module == module)
        .or_else(|| PRIMITIVES.iter().find(|p| p.op == op))
}

/// Every method spelling, for error messages.
pub fn method_names() -> Vec<&'static str> {
    PRIMITIVES
        .iter()
        .flat_map(|p| p.spellings.iter())
        .filter_map(|s| match s {
            Spelling::Method(m) => Some(*m),
            _ => None,
        })
        .collect()
}

/// The primal values rule `op_vjp{k}` reads: argument positions, and whether it
/// reads the result.
pub fn vjp_reads(op: &str, k: usize, nargs: usize) -> (Vec<usize>, bool) {
    let reads = PRIMITIVES
        .iter()
        .find(|p| p.op == op)
        .map_or(Reads::All, |p| p.reads);
    match (reads, k) {
        (Reads::Nothing, _) => (Vec::new(), false),
        (Reads::OtherOperand, 0) => (vec![1], false),
        (Reads::OtherOperand, 1) => (vec![0], false),
        (Reads::Divisor, 0) => (vec![1], false),
        _ => ((0..nargs).collect(), true),
    }
}

/// Value argument `k` of `op` carries no derivative (a shape template).
pub fn nondiff_arg(op: &str, k: usize) -> bool {
    PRIMITIVES
        .iter()
        .find(|p| p.op == op)
        .is_some_and(|p| !p.differentiable_arg(k))
}

/// Whether a recomputed loop body keeps `op`'s value on a tape (the primitive's
/// `kept_in_loops` property).
pub fn kept_in_loops(op: &str) -> bool {
    PRIMITIVES.iter().any(|p| p.op == op && p.kept_in_loops)
}

/// Whether `op` is a view (of a local it becomes `{op}_owned`).
pub fn is_view(op: &str) -> bool {
    PRIMITIVES.iter().any(|p| p.op == op && p.view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_unique_per_module_and_spellings_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in PRIMITIVES {
            assert!(seen.insert((p.module, p.op)), "{} declared twice", p.op);
        }
        let mut spell = std::collections::HashSet::new();
        for p in PRIMITIVES {
            for s in p.spellings {
                if let Spelling::OpsFn { .. } = s {
                    continue;
                }
                assert!(spell.insert(format!("{:?}{s:?}", p.module)), "{s:?} twice");
            }
        }
    }

    #[test]
    fn every_primitive_has_a_sample_of_its_arity() {
        for p in PRIMITIVES {
            assert!(
                p.sample.len() >= p.values,
                "{}: {} sample(s) for {} value argument(s)",
                p.op,
                p.sample.len(),
                p.values
            );
            if p.module == Module::Rt && p.method().is_some() {
                assert_eq!(p.sample.len(), p.values + p.statics, "{}", p.op);
            }
        }
    }

    #[test]
    fn every_differentiable_argument_has_a_second_order_rule() {
        use crate::dir_rules::{tangent, Operands};
        use quote::quote;
        for p in PRIMITIVES {
            let args: Vec<_> = (0..p.values).map(|k| quote!(&a #k)).collect();
            let statics: Vec<_> = (p.values..p.sample.len()).map(|k| quote!(s #k)).collect();
            for k in (0..p.values).filter(|k| p.differentiable_arg(*k)) {
                let o = Operands {
                    args: &args,
                    statics: &statics,
                    r: &quote!(&r),
                    d: &quote!(&d),
                };
                assert!(
                    tangent(p.module.name(), p.op, k, &o).is_some(),
                    "{}::{}: argument {k} has no tangent rule in dir_rules",
                    p.module.name(),
                    p.op
                );
            }
        }
    }
}
