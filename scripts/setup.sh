#!/usr/bin/env bash
# Prepare this checkout: the system libraries Qt needs, a virtual environment in .venv and
# nnstudio installed into it (editable). Safe to run again: it only adds what is missing.
#
#   bash scripts/setup.sh          # to run the app (offscreen libraries; window libraries
#                                  # too when a display is present)
#   bash scripts/setup.sh --test   # also the test tools (pytest, pytest-qt, import-linter)
#
# Debian/Ubuntu: missing libraries are installed with apt-get (as root, or through sudo
# when it needs no password); elsewhere the script names what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
window_libs=0
for arg in "$@"; do
    case "$arg" in
        --test) extras="[test]" ;;
        --window) window_libs=1 ;;
        *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then window_libs=1; fi

say() { echo "setup: $*" >&2; }

# ---------------------------------------------------------------- system libraries
# shared object -> Debian package (checked with ldconfig, not by package name: Debian 13
# renamed libglib2.0-0 to libglib2.0-0t64)
offscreen_libs=(
    "libGL.so.1 libgl1" "libEGL.so.1 libegl1" "libxkbcommon.so.0 libxkbcommon0"
    "libfontconfig.so.1 libfontconfig1" "libdbus-1.so.3 libdbus-1-3" "libglib-2.0.so.0 GLIB"
)
xcb_libs=(
    "libxkbcommon-x11.so.0 libxkbcommon-x11-0" "libxcb-cursor.so.0 libxcb-cursor0"
    "libxcb-icccm.so.4 libxcb-icccm4" "libxcb-image.so.0 libxcb-image0"
    "libxcb-keysyms.so.1 libxcb-keysyms1" "libxcb-render-util.so.0 libxcb-render-util0"
    "libxcb-shape.so.0 libxcb-shape0" "libxcb-xkb.so.1 libxcb-xkb1"
)
wanted=("${offscreen_libs[@]}")
if [ "$window_libs" = 1 ]; then wanted+=("${xcb_libs[@]}"); fi

ldconfig_bin=$(command -v ldconfig || { [ -x /sbin/ldconfig ] && echo /sbin/ldconfig; } || true)
libs_known=$( [ -n "$ldconfig_bin" ] && "$ldconfig_bin" -p 2>/dev/null || true)
have_lib() { grep -q "^[[:space:]]*$1 " <<<"$libs_known"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
    else return 1
    fi
}

apt_updated=0
apt_update() {
    [ "$apt_updated" = 1 ] && return 0
    command -v apt-get >/dev/null || return 1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    apt_updated=1
}

apt_install() {
    if ! apt_update; then
        say "cannot install system packages here; please install: $*"
        return 1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

glib_package() {
    # Debian 13 / Ubuntu 24.04 renamed the package (64-bit time_t); the .so is the same
    if apt-cache show libglib2.0-0t64 >/dev/null 2>&1; then echo libglib2.0-0t64; else echo libglib2.0-0; fi
}

missing=()
if [ -z "$libs_known" ]; then
    say "cannot list the system's shared libraries (no ldconfig: not Linux?); skipping that check"
    wanted=()
fi
for pair in "${wanted[@]}"; do
    so=${pair%% *}; pkg=${pair##* }
    if ! have_lib "$so"; then
        if [ "$pkg" = GLIB ]; then apt_update || true; pkg=$(glib_package); fi
        missing+=("$pkg")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing system libraries for Qt: ${missing[*]}"
    apt_install "${missing[@]}"
fi

# ---------------------------------------------------------------- Python environment
python=""
for candidate in python3.11 python3.12 python3.13 python3.10 python3; do
    if command -v "$candidate" >/dev/null \
        && "$candidate" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 14))' 2>/dev/null; then
        python=$candidate; break
    fi
done
if [ -z "$python" ]; then
    say "Python 3.10-3.13 not found; installing Debian's python3"
    apt_install python3 python3-venv
    python=python3
fi

if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $($python --version)"
    if ! "$python" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        say "the venv module is missing; installing python3-venv"
        apt_install python3-venv
        "$python" -m venv .venv
    fi
fi
say "installing nnstudio$extras into .venv"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
