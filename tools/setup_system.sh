#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Cityroom needs at run and test time, only those missing.
# Runs apt-get as root, or through sudo when it is available without a password prompt;
# otherwise prints the exact command to run. Does nothing on systems without apt.
set -euo pipefail

# "a|b" means: the first of these that the distribution has (names differ by release).
PACKAGES=(
  # Python virtual environments (Debian splits venv out of python3).
  python3-venv
  # Qt's platform plugins (offscreen and X11) and OpenGL.
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 libx11-xcb1 libxrender1 libxi6 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0
  libxcb-xinerama0 libxcb-xkb1
  # QtWebEngine (the map page).
  libnss3 libnspr4 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libgbm1
  libxshmfence1 libxcb-dri3-0 libgssapi-krb5-2 libexpat1 "libasound2t64|libasound2"
  # Alert sounds (QtMultimedia).
  libpulse0
  # Fonts: Hangul must not show as boxes.
  fonts-dejavu-core fonts-nanum
  # A virtual screen for screenshots on machines without a display.
  xvfb
  # The real RTSP server the video tests start (gst-rtsp-server through the system Python).
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-tools gstreamer1.0-x
  # H.264 test clips for the video benchmarks (OpenCV decodes H.264 but cannot encode it).
  ffmpeg
  # The real MQTT broker the sensor-ingest tests start.
  mosquitto
  # The remote operations backend's database (server/), and the throw-away clusters its
  # tests start; PostGIS for the camera searches (named by the PostgreSQL release).
  postgresql
  "postgresql-15-postgis-3|postgresql-16-postgis-3|postgresql-17-postgis-3"
)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no apt-get here; install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for spec in "${PACKAGES[@]}"; do
  have=""
  for name in ${spec//|/ }; do
    if installed "$name"; then have=1; break; fi
  done
  [ -n "$have" ] || missing+=("$spec")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo)
else
  echo "setup: these system packages are missing: ${missing[*]//|/ or }" >&2
  echo "setup: run 'sudo make setup' once (or install them), then try again." >&2
  exit 1
fi

echo "setup: installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
chosen=()
for spec in "${missing[@]}"; do
  pick=""
  for name in ${spec//|/ }; do
    candidate=$(apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then pick=$name; break; fi
  done
  if [ -z "$pick" ]; then
    echo "setup: no package named ${spec//|/ or } in this distribution; skipping it" >&2
    continue
  fi
  chosen+=("$pick")
done
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${chosen[@]}"
