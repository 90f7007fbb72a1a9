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
