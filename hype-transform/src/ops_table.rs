//! Which syntax maps to which runtime primitive.

/// Methods that read only shapes or sizes: never differentiated.
pub const SHAPE_METHODS: &[&str] = &[
    "len",
    "nrows",
    "ncols",
    "shape",
    "dim",
    "ndim",
    "is_empty",
    "raw_dim",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_sign_positive",
    "is_sign_negative",
    "partial_cmp",
    "total_cmp",
    "iter",
    "to_vec",
    "is_square",
    "strides",
];

/// How a method call maps to a primitive: the op's name, and how many of its
/// arguments (after the receiver) are values; the rest are static arguments.
pub struct MethodOp {
    pub method: &'static str,
    pub op: &'static str,
    pub value_args: usize,
    pub static_args: usize,
}

const fn m(
    method: &'static str,
    op: &'static str,
    value_args: usize,
    static_args: usize,
) -> MethodOp {
    MethodOp {
        method,
        op,
        value_args,
        static_args,
    }
}

/// Methods of f64 and ndarray arrays that are primitives of `hype::rt`.
pub const METHOD_OPS: &[MethodOp] = &[
    m("exp", "exp", 0, 0),
    m("ln", "ln", 0, 0),
    m("log2", "log2", 0, 0),
    m("log10", "log10", 0, 0),
    m("sqrt", "sqrt", 0, 0),
    m("cbrt", "cbrt", 0, 0),
    m("powi", "powi", 0, 1),
    m("powf", "powf", 1, 0),
    m("sin", "sin", 0, 0),
    m("cos", "cos", 0, 0),
    m("tan", "tan", 0, 0),
    m("asin", "asin", 0, 0),
    m("acos", "acos", 0, 0),
    m("atan", "atan", 0, 0),
    m("sinh", "sinh", 0, 0),
    m("cosh", "cosh", 0, 0),
    m("tanh", "tanh", 0, 0),
    m("abs", "abs", 0, 0),
    m("recip", "recip", 0, 0),
    m("max", "max", 1, 0),
    m("min", "min", 1, 0),
    m("hypot", "hypot", 1, 0),
    m("atan2", "atan2", 1, 0),
    m("mul_add", "mul_add", 2, 0),
    m("dot", "dot", 1, 0),
    m("t", "t", 0, 0),
    m("reversed_axes", "t", 0, 0),
    m("sum", "sum", 0, 0),
    m("mean", "mean", 0, 0),
    m("sum_axis", "sum_axis", 0, 1),
    m("mean_axis", "mean_axis", 0, 1),
    m("insert_axis", "insert_axis", 0, 1),
    m("slice", "slice", 0, 1),
];

/// Methods of f64 and ndarray arrays that have no derivative rule: an error names
/// them (any other unknown method is taken for a `#[differentiable]` method of a
/// user type).
pub const NON_DIFFERENTIABLE_METHODS: &[&str] = &[
    "map",
    "mapv",
    "map_inplace",
    "mapv_inplace",
    "mapv_into",
    "fold",
    "fold_axis",
    "cumsum",
    "cumprod",
    "product",
    "iter",
    "iter_mut",
    "for_each",
    "zip_mut_with",
    "assign",
    "fill",
    "into_iter",
    "to_vec",
    "as_slice",
    "into_raw_vec",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fract",
    "signum",
    "exp2",
    "exp_m1",
    "ln_1p",
    "to_degrees",
    "to_radians",
    "log",
    "abs_sub",
    "clamp",
    "var",
    "std",
    "var_axis",
    "std_axis",
    "argmax",
    "argmin",
    "max_by",
    "min_by",
    "sort_by",
    "windows",
    "outer_iter",
    "rows",
    "columns",
    "diag",
    "into_shape",
    "into_shape_with_order",
    "to_shape",
    "broadcast",
    "permuted_axes",
    "swap_axes",
    "lanes",
    "axis_iter",
    "exact_chunks",
    "select",
    "split_at",
    "norm",
    "pow2",
    "sin_cos",
    "powi_t",
];

/// Methods that copy a value: differentiated as the identity.
pub const COPY_METHODS: &[&str] = &["clone", "to_owned", "into_owned", "view"];

/// Functions of `hype::ops` (called as `name(..)`, `ops::name(..)` or
/// `hype::ops::name(..)`): primitives with their own rules. The number is how many
/// leading arguments are values; the rest are static.
pub const OPS_FUNCTIONS: &[(&str, usize)] = &[
    ("sigmoid", 1),
    ("relu", 1),
    ("softplus", 1),
    ("elu", 1),
    ("gelu", 1),
    ("softmax", 1),
    ("log_softmax", 1),
    ("logsumexp", 1),
    ("cross_entropy_on_linear", 2),
    ("cross_entropy_on_softmax", 2),
    ("mse", 2),
    ("l1", 1),
    ("l2", 1),
    ("stop_gradient", 1),
    ("exp", 1),
    ("ln", 1),
    ("log2", 1),
    ("log10", 1),
    ("sqrt", 1),
    ("cbrt", 1),
    ("sin", 1),
    ("cos", 1),
    ("tan", 1),
    ("asin", 1),
    ("acos", 1),
    ("atan", 1),
    ("sinh", 1),
    ("cosh", 1),
    ("tanh", 1),
    ("abs", 1),
    ("recip", 1),
    ("tanh_tangent", 2),
];

pub fn method_op(name: &str) -> Option<&'static MethodOp> {
    METHOD_OPS.iter().find(|o| o.method == name)
}

pub fn ops_function(name: &str) -> Option<usize> {
    OPS_FUNCTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
}

/// Primitives of `hype::rt` by path (`::hype::rt::name(&a, .., statics..)`), as
/// derivative code writes them: the name of the function, the op whose rules it
/// uses, and how many leading arguments are values.
pub const RT_PRIMS: &[(&str, &str, usize)] = &[
    ("add", "add", 2),
    ("sub", "sub", 2),
    ("mul", "mul", 2),
    ("div", "div", 2),
    ("neg", "neg", 1),
    ("exp", "exp", 1),
    ("ln", "ln", 1),
    ("log2", "log2", 1),
    ("log10", "log10", 1),
    ("sqrt", "sqrt", 1),
    ("cbrt", "cbrt", 1),
    ("sin", "sin", 1),
    ("cos", "cos", 1),
    ("tan", "tan", 1),
    ("asin", "asin", 1),
    ("acos", "acos", 1),
    ("atan", "atan", 1),
    ("sinh", "sinh", 1),
    ("cosh", "cosh", 1),
    ("tanh", "tanh", 1),
    ("abs", "abs", 1),
    ("recip", "recip", 1),
    ("sign", "sign", 1),
    ("step", "step", 1),
    ("zeros_like", "zeros_like", 1),
    ("powi", "powi", 1),
    ("powf", "powf", 2),
    ("max", "max", 2),
    ("min", "min", 2),
    ("hypot", "hypot", 2),
    ("atan2", "atan2", 2),
    ("mul_add", "mul_add", 3),
    ("dot", "dot", 2),
    ("t_owned", "t", 1),
    ("sum", "sum", 1),
    ("mean", "mean", 1),
    ("sum_axis", "sum_axis", 1),
    ("mean_axis", "mean_axis", 1),
    ("insert_axis_owned", "insert_axis", 1),
    ("slice_owned", "slice", 1),
    ("to_owned", "to_owned", 1),
    ("broadcast_to", "broadcast_to", 2),
    ("sum_to", "sum_to", 2),
];

/// Functions of `hype::ops` that derivative code calls by path besides
/// [`OPS_FUNCTIONS`], with their number of value arguments.
pub const OPS_INTERNAL: &[(&str, usize)] = &[("sum_all", 1), ("sum_last", 1), ("expand_last", 1)];

/// Functions of the runtime that compute constants from values (shapes, zeros):
/// never differentiated, whatever their arguments.
pub const CONST_FUNCTIONS: &[&str] = &["zero_tangent", "neg_inv_rows", "last_len"];

/// Value arguments that carry no derivative: the shape template of
/// `broadcast_to(d, like)` and `sum_to(g, like)`.
pub fn nondiff_arg(op: &str, k: usize) -> bool {
    matches!((op, k), ("broadcast_to", 1) | ("sum_to", 1))
}

pub fn rt_prim(name: &str) -> Option<(&'static str, usize)> {
    RT_PRIMS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, op, k)| (*op, *k))
}

/// The primal values the rule `op_vjp{k}` reads: argument positions, and whether it
/// reads the result. Shapes do not count (a variable whose old value is not read keeps
/// it anyway unless it is a scalar). Unlisted ops read everything.
pub fn vjp_reads(op: &str, k: usize, nargs: usize) -> (Vec<usize>, bool) {
    match (op, k) {
        ("add" | "sub" | "neg" | "sum" | "mean", _) => (Vec::new(), false),
        ("mul" | "dot", 0) => (vec![1], false),
        ("mul" | "dot", 1) => (vec![0], false),
        ("div", 0) => (vec![1], false),
        _ => ((0..nargs).collect(), true),
    }
}
