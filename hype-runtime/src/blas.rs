//! The BLAS backend's thread count.
//!
//! OpenBLAS starts one thread per core. For the small matrix products of most models
//! (and on a machine shared with other work) those threads cost more than they give:
//! the flagship's hypergradient iteration measured 0.77 s on one thread against 29 s
//! on two busy cores. [`set_threads`] changes the count at run time
//! (`OPENBLAS_NUM_THREADS` does the same before start-up).

/// Sets the number of threads OpenBLAS uses for later calls (at least 1). Without the
/// `openblas` feature (ndarray's own matrix product, single-threaded) it does nothing.
pub fn set_threads(n: usize) {
    #[cfg(feature = "openblas")]
    {
        extern "C" {
            fn openblas_set_num_threads(num_threads: std::os::raw::c_int);
        }
        let n = n.clamp(1, std::os::raw::c_int::MAX as usize) as std::os::raw::c_int;
        // SAFETY: a plain setter of the system OpenBLAS, which this feature links.
        unsafe { openblas_set_num_threads(n) };
    }
    #[cfg(not(feature = "openblas"))]
    let _ = n;
}
