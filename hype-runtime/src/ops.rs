//! Differentiable functions of machine learning (`hype::ops`).
