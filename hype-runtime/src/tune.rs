//! Process-wide settings that make small-array workloads fast: the BLAS thread
//! count and the C allocator's treatment of large freed blocks.
//!
//! Derivative code allocates and frees many arrays of the same few sizes per call.
//! Two defaults of the platform cost more than the arithmetic there:
//!
//! * OpenBLAS starts one thread per core; for the products of most models (and on a
//!   machine shared with other work) the threads cost more than they give. The
//!   flagship's hypergradient iteration measured 0.77 s on one thread against 29 s (0.43 s since `model!` inlines its layers)
//!   on two busy cores.
//! * glibc serves blocks above 128 KiB with `mmap` and returns them to the kernel on
//!   `free`, so every call of a 784-300-100-10 MLP gradient faults its weight-sized
//!   buffers in again: 6.3 ms per gradient against 3.0 ms when the blocks stay in the
//!   heap (`examples/hypertrain.rs`, `benches/mlp.rs`).
//!
//! [`for_small_arrays`] applies both; the library never changes them on its own.

/// Sets the number of threads OpenBLAS uses for later calls (at least 1). Without the
/// `openblas` feature (ndarray's own matrix product, single-threaded) it does nothing.
/// (`OPENBLAS_NUM_THREADS` does the same before start-up.)
pub fn set_blas_threads(n: usize) {
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

/// Keeps freed blocks of up to 32 MiB in the heap for reuse instead of returning them
/// to the kernel (glibc's `M_MMAP_THRESHOLD` and `M_TRIM_THRESHOLD`; the same as the
/// environment variables `MALLOC_MMAP_THRESHOLD_` and `MALLOC_TRIM_THRESHOLD_`). The
/// process keeps up to that much more memory mapped. Returns whether the allocator
/// took the setting (false on other platforms, where it does nothing).
pub fn retain_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(
                param: std::os::raw::c_int,
                value: std::os::raw::c_int,
            ) -> std::os::raw::c_int;
        }
        const M_TRIM_THRESHOLD: std::os::raw::c_int = -1;
        const M_MMAP_THRESHOLD: std::os::raw::c_int = -3;
        // glibc's largest mmap threshold on 64-bit targets.
        const LIMIT: std::os::raw::c_int = 32 * 1024 * 1024;
        // SAFETY: glibc's documented tuning call; both parameters are in range.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, LIMIT) == 1 && mallopt(M_TRIM_THRESHOLD, 2 * LIMIT) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// One BLAS thread and [`retain_freed_memory`]: the settings the examples and the
/// benchmarks run with.
pub fn for_small_arrays() {
    set_blas_threads(1);
    retain_freed_memory();
}
