#!/usr/bin/env bash
# Installs what the ahriman service needs on a fresh Debian 12 or Arch machine, then its npm dependencies, then
# builds it. With --tests, also the tools only the test suite uses (a headless browser for the dashboard and report
# tests, an sshd for rsync over ssh, redis-server (valkey on Arch) for the distributed-build tests). Idempotent: safe to run again. Needs root for the system packages and
# the build user (sudo is used when available).
set -euo pipefail
cd "$(dirname "$0")/.."

tests=false
case "${1:-}" in
  --tests) tests=true ;;
  '') ;;
  *) echo "usage: $0 [--tests]" >&2; exit 2 ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root to run: $*" >&2; exit 1
  fi
}

if [ -f /etc/arch-release ]; then
  packages=(base-devel devtools bubblewrap fakeroot rsync git libarchive zstd xz gnupg nodejs npm openssh)
  packages+=(binutils) # readelf: the implicit-dependency scan of built files (--check-files)
  packages+=(ttf-dejavu) # PNG charts (repo-statistics, repo-history --chart *.png) draw their text with a system font
  packages+=(python) # node-gyp compiles the native addons (sqlite3, zstd-napi) where no prebuilt binary can be fetched
  if $tests; then packages+=(chromium valkey); fi
  as_root pacman -Sy --needed --noconfirm "${packages[@]}"
  # the devtools driver's build command (the default [build] devtools_wrapper) and the sudoers rule that lets the
  # ahriman user run it as root
  as_root install -Dm755 packaging/bin/ahriman-archbuild /usr/bin/ahriman-archbuild
  as_root install -Dm440 packaging/sudoers.d/ahriman /etc/sudoers.d/ahriman
elif [ -f /etc/debian_version ]; then
  packages=(pacman-package-manager makepkg bubblewrap fakeroot rsync git libarchive-tools zstd xz-utils gnupg build-essential openssh-client)
  packages+=(binutils) # readelf: the implicit-dependency scan of built files (--check-files)
  packages+=(fonts-dejavu-core) # PNG charts (repo-statistics, repo-history --chart *.png) draw their text with a system font
  packages+=(python3) # node-gyp compiles the native addons (sqlite3, zstd-napi) where no prebuilt binary can be fetched
  if $tests; then packages+=(openssh-server chromium redis-server); fi
  if $tests; then packages+=(sudo); fi # visudo checks the shipped sudoers rule
  missing=()
  for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  # makepkg writes .BUILDINFO through libalpm, which needs an initialised local database on the host.
  if [ ! -f /var/lib/pacman/local/ALPM_DB_VERSION ]; then
    as_root mkdir -p /var/lib/pacman/local
    as_root sh -c 'echo 9 > /var/lib/pacman/local/ALPM_DB_VERSION'
  fi
else
  echo "setup: unsupported system (need Debian 12 or Arch Linux)" >&2
  exit 1
fi

# Node.js 20.19 or newer (Debian 12's own nodejs is 18: install Node 20 from your usual source first).
if ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' 2>/dev/null; then
  echo "setup: ahriman needs Node.js >= 20.19 (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# The unprivileged account builds run as: makepkg refuses to run as root.
if ! getent passwd ahriman >/dev/null; then
  as_root useradd --system --create-home --home-dir /var/lib/ahriman --shell /usr/sbin/nologin ahriman
fi

# Installs exactly what package-lock.json pins; fast when node_modules is already up to date.
npm install --no-audit --no-fund
npm run build
