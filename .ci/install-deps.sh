#!/usr/bin/env bash
# Installs what heapdiff needs to build and test on Debian/Ubuntu: a C compiler, make,
# pkg-config and the -dev packages of libarchive, Jansson, xxHash and cmocka; clang (for the
# ASan/UBSan and libFuzzer builds). Node.js and npm are used only by the oracle tests (DevTools'
# own heap-snapshot code); they are installed when missing. The archivers make the archives the
# archive tests read; llvm-19 (llvm-readelf, obj2yaml), lldb-19, gdb and elfutils are the
# independent readers the dump tests compare with, and the dumpers of live processes; mingw
# builds the Windows DLL the PE tests load. Uses sudo
# when not root.
set -euo pipefail
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
pkgs=(build-essential make pkg-config libarchive-dev libjansson-dev libxxhash-dev libcmocka-dev
      clang libclang-rt-dev clang-format git
      gzip xz-utils bzip2 zstd zip tar
      llvm-19 lldb-19 gdb elfutils binutils python3 python3-yaml gcc-mingw-w64-x86-64)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
pkgs+=(chromium) # tests/oracle/chromium.mjs: a converted file in the Memory panel of a real browser
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: everything is installed"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
