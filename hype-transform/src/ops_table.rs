//! Methods and functions that are not primitives: shape queries, copies, the methods
//! without a derivative rule, and runtime functions that compute constants. The
//! primitives themselves are declared in [`crate::primitives`].

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
    "abs_sub",
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

/// Functions of the runtime that compute constants from values (shapes, zeros):
/// never differentiated, whatever their arguments.
pub const CONST_FUNCTIONS: &[&str] = &["zero_tangent", "neg_inv_rows", "last_len", "ddof_scale"];
