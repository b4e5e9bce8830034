#!/usr/bin/env bash
# shellcheck disable=SC2054 # commas inside QEMU option values are intended
# Shared helpers for the scripts in tools/: repository paths, the Debian
# package check, the CMake build and the QEMU command line. Sourced by the
# scripts, never executed; it only defines variables and functions.
# Environment overrides: BUILD_DIR, OVMF_CODE, OVMF_VARS, QEMU.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
QEMU=${QEMU:-qemu-system-x86_64}
export MTOOLS_SKIP_CHECK=1 # raw images have no meaningful disk geometry

# Everything the build, the image and the tests need on Debian 12. Installed
# without recommends, so each is named: libc6-dev brings the C start files
# (crt1.o, crti.o) that gcc only recommends, which the host tests link with;
# liblz4-dev the Debian static library a guest test links (liblz4.a).
REQUIRED_PACKAGES=(qemu-system-x86 ovmf gnu-efi nasm libcmocka-dev mtools dosfstools cmake gcc
    libc6-dev make gnuplot-nox clang-format shellcheck binutils python3 liblz4-dev)

# Print a message prefixed with the script name on stderr.
msg() {
    echo "$(basename "$0"): $*" >&2
}

# Print a message and exit with status 1.
die() {
    msg "error: $*"
    exit 1
}

# Install whichever of REQUIRED_PACKAGES is missing.
# A fast no-op when all are installed; needs root only when something is missing.
ensure_packages() {
    local pkg status missing=()
    if ! command -v dpkg-query >/dev/null; then
        msg "warning: no dpkg-query (not Debian?); not checking packages"
        return 0
    fi
    for pkg in "${REQUIRED_PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    if ((EUID != 0)); then
        die "missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}"
    fi
    msg "installing missing packages: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# Configure BUILD_DIR once, then build everything (kernel, loader, image, tests).
build() {
    if [[ ! -f $BUILD_DIR/CMakeCache.txt ]] ||
        [[ ! -f $BUILD_DIR/Makefile && ! -f $BUILD_DIR/build.ninja ]]; then
        cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo
    fi
    cmake --build "$BUILD_DIR" -j"$(nproc)"
}

# Configure build directory @1 once, with the CMake options that follow, and
# build only its boot image. Two such builds exist beside BUILD_DIR's:
# DEBUG_BUILD_DIR, the one tools/run --gdb boots (GUEST_DEBUG=ON: -Og -g3
# without LTO, so gdb finds functions by name and shows arguments), and
# RELEASE_BUILD_DIR, the one tools/bench measures (KERNEL_ASSERTS=OFF).
# shellcheck disable=SC2034 # used by the scripts that source this file
DEBUG_BUILD_DIR=$BUILD_DIR/debug
# shellcheck disable=SC2034 # used by the scripts that source this file
RELEASE_BUILD_DIR=$BUILD_DIR/release
build_image_in() {
    local dir=$1
    shift
    if [[ ! -f $dir/CMakeCache.txt ]]; then
        cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
    fi
    cmake --build "$dir" -j"$(nproc)" --target image
}

# Escape a value for a QEMU option list: commas are doubled.
qemu_escape() {
    printf '%s' "${1//,/,,}"
}

# Fill the array QEMU_CMD with a QEMU command line booting @image (raw FAT
# image, used in place: pass a private copy). @tmpdir receives the private
# OVMF variable store. Options come from variables the caller sets:
#   MEM (default 512M), SMP (number of CPUs, default 1),
#   SERIAL ("stdio", "mon:stdio", "socket:PATH" for a UNIX socket QEMU
#   serves and waits on before it starts, or a log file path),
#   SWAP (size of a blank virtio-blk swap disk in @tmpdir, "0" for none),
#   DATA (size of a second blank virtio-blk disk, after the swap disk; "0": none),
#   ICOUNT=1 (deterministic instruction counting: an idle guest's clock skips
#   to its next timer), ICOUNT=idle-real (instructions counted while the guest
#   runs, real time passing while it idles), GDB=1 (-s -S),
#   MONITOR (QEMU's monitor: "none" by default, or a character device
#   such as "pipe:PATH" for the FIFOs PATH.in and PATH.out),
#   TCG_THREAD (single: every virtual CPU on one host thread, in turns;
#   multi: one host thread each; unset: QEMU's default, multi on this host),
#   EXTRA_QEMU_ARGS (array appended last).
qemu_cmd() {
    local image=$1 tmpdir=$2
    [[ -f $OVMF_CODE ]] || die "no OVMF firmware at $OVMF_CODE (package ovmf)"
    cp "$OVMF_VARS" "$tmpdir/ovmf_vars.fd"
    QEMU_CMD=("$QEMU" -machine q35 -m "${MEM:-512M}" -smp "${SMP:-1}"
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$(qemu_escape "$OVMF_CODE")"
        -drive "if=pflash,format=raw,unit=1,file=$(qemu_escape "$tmpdir/ovmf_vars.fd")"
        -drive "if=none,id=esp,format=raw,file=$(qemu_escape "$image")"
        -device ide-hd,drive=esp,bus=ide.0,bootindex=0
        -display none -monitor "${MONITOR:-none}" -nic none -no-reboot
        -device isa-debug-exit,iobase=0xf4,iosize=0x04)
    case ${SERIAL:-stdio} in
    stdio | mon:stdio) QEMU_CMD+=(-serial "${SERIAL:-stdio}") ;;
    socket:*)
        QEMU_CMD+=(-chardev "socket,id=serial0,path=$(qemu_escape "${SERIAL#socket:}"),server=on,wait=on"
            -serial chardev:serial0)
        ;;
    *) QEMU_CMD+=(-chardev "file,id=serial0,path=$(qemu_escape "$SERIAL")" -serial chardev:serial0) ;;
    esac
    if [[ ${SWAP:-0} != 0 ]]; then
        truncate -s "$SWAP" "$tmpdir/swap.img"
        QEMU_CMD+=(-drive "if=none,id=swap,format=raw,file=$(qemu_escape "$tmpdir/swap.img")"
            -device virtio-blk-pci,drive=swap)
    fi
    if [[ ${DATA:-0} != 0 ]]; then
        truncate -s "$DATA" "$tmpdir/data.img"
        QEMU_CMD+=(-drive "if=none,id=data,format=raw,file=$(qemu_escape "$tmpdir/data.img")"
            -device virtio-blk-pci,drive=data)
    fi
    if [[ -n ${TCG_THREAD:-} ]]; then
        QEMU_CMD+=(-accel "tcg,thread=$TCG_THREAD")
    fi
    case ${ICOUNT:-0} in
    1) QEMU_CMD+=(-icount shift=0,align=off,sleep=off) ;;
    idle-real) QEMU_CMD+=(-icount shift=0,align=off,sleep=on) ;;
    esac
    if [[ ${GDB:-0} == 1 ]]; then
        QEMU_CMD+=(-s -S)
    fi
    QEMU_CMD+=(${EXTRA_QEMU_ARGS[@]+"${EXTRA_QEMU_ARGS[@]}"})
}

# Explain a QEMU exit code (isa-debug-exit: status N gives (N << 1) | 1).
qemu_rc_describe() {
    local rc=$1
    if ((rc == 1)); then
        echo "guest powered off with status 0"
    elif ((rc & 1)) && ((rc < 128)); then
        echo "guest powered off with status $((rc >> 1))"
    elif ((rc == 0)); then
        echo "QEMU exited without a guest status (reset, triple fault or ACPI power off)"
    else
        echo "QEMU failed with exit code $rc"
    fi
}
