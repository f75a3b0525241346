#!/usr/bin/env bash
# Records the expected output of the ISA test programs with qemu-riscv64 (the
# reference the tests compare vmlab against). Run after building guest_programs:
#   tests/unit/guest/record_expected.sh build-dir
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:?build directory}/guest/guest_tests"
for p in isa_int isa_atomic isa_fp isa_compressed isa_csr smc misaligned libc_mix; do
  qemu-riscv64 "$bin/$p" > "$here/expected/$p.out"
done
