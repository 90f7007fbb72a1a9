//! Every primitive of the transform's table against the runtime: its function and
//! rules exist with the conventional signatures (else this file does not compile),
//! the tangent rule matches central differences, the adjoint rule is its transpose,
//! and the second-order rule written in primitives matches the tangent rule.

hype::__primitive_contract!();
