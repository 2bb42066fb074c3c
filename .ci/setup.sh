#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages, a venv with the project, compiled translations.
# Re-running it does only what is missing (apt packages not yet installed, a venv whose pyproject changed).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # video: libvlc for the VLC backend, ffmpeg to make/serve test clips, GStreamer RTSP server for loopback cameras
  vlc-bin vlc-plugin-base libvlc-dev ffmpeg
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gir1.2-gst-rtsp-server-1.0 python3-gi
  # display-less operation, virtual serial ports, CJK fonts, PDF text checks, PostgreSQL for the pg tests
  xvfb x11-utils socat fonts-noto-cjk fonts-dejavu-core poppler-utils postgresql
  # the MQTT broker between the server and its seats (and for MQTT sensors)
  mosquitto
  # a real browser for the officers' web app (城管通) tests: selenium drives headless chromium
  chromium chromium-driver
  # Qt's xcb platform plugin runtime
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
stamp=.venv/.setup-stamp
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating the venv (.venv) and installing the project"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi

# Compile translations (.ts sources are committed; .qm files are build products).
for ts in resources/translations/*.ts; do
  [ -e "$ts" ] || continue
  qm="${ts%.ts}.qm"
  if [ ! -e "$qm" ] || [ "$ts" -nt "$qm" ]; then
    .venv/bin/pyside6-lrelease -silent "$ts" -qm "$qm"
  fi
done
echo "setup: ready"
