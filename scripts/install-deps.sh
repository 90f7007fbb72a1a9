#!/usr/bin/env bash
# Installs what Hype needs beyond Rust: the system OpenBLAS (Debian/Ubuntu: libopenblas-dev).
# Does nothing when it is already there. Build without it: --no-default-features.
set -euo pipefail
if ! dpkg -s libopenblas-dev >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev
fi
# With --mpi: Open MPI for the `mpi` feature (hype::dist, examples/dist_train) and the
# libclang that the mpi crate's build (bindgen) needs. Without it: nothing more.
if [ "${1:-}" = "--mpi" ]; then
    missing=""
    for p in libopenmpi-dev openmpi-bin libclang-dev; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
    fi
fi
