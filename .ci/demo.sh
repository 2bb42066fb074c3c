#!/usr/bin/env bash
# `make demo`: the command center on the simulated city, on SQLite in the demo's own data folder (<data dir>/demo).
# With a display it opens the window. Without one (a server, CI) it runs offscreen for a while and writes a
# screenshot of each screen plus the health report, then says where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=.venv/bin/commandcenter
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${CC_HEADLESS:-}" ]; then
  exec "$CC" demo "$@"
fi
out=${CC_DEMO_OUT:-out/demo}
mkdir -p "$out"
echo "demo: no display — running the command center offscreen and saving each screen to $out/"
for screen in wall map dispatch drones briefing; do
  "$CC" snapshot --demo --screen "$screen" --after "${CC_DEMO_SECONDS:-20}" \
      --out "$out/$screen.png" --report "$out/report-$screen.json" --size 1920x1080 "$@"
done
cp "$out/report-briefing.json" "$out/report.json"
echo "demo: screenshots: $(ls "$out"/*.png | tr '\n' ' ')"
echo "demo: health report: $out/report.json"
