#!/usr/bin/env bash
# Set up (see setup.sh) and start nnstudio; arguments go to the app, e.g. a project file:
#   bash scripts/run.sh resources/examples/mnist_mlp.json
# Without a display (a server, a container) there is no window to show: the app is then
# rendered offscreen into nnstudio-screenshot.png instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ]; then
    echo "run: no display found (DISPLAY/WAYLAND_DISPLAY unset), so no window can open here." >&2
    echo "run: rendering the studio offscreen into nnstudio-screenshot.png instead." >&2
    echo "run: on a desktop session run: bash scripts/run.sh (or .venv/bin/nnstudio)" >&2
    exec .venv/bin/nnstudio --screenshot nnstudio-screenshot.png "$@"
fi
exec .venv/bin/nnstudio "$@"
