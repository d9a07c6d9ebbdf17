#!/usr/bin/env bash
# The main job on an embedded default: sets everything up, then builds the example PKGBUILDs shipped in
# examples/pkgbuilds (a library, an application depending on it, a split package with an epoch) into a signed
# repository under ./demo, and installs them from there with pacman into a throwaway root to prove it works.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

demo="$PWD/demo"
root="$demo/root"
port="${AHRIMAN_DEMO_PORT:-8080}"
# a dashboard left running by an earlier demo goes with its tree
if [ -f "$demo/web.pid" ]; then kill "$(cat "$demo/web.pid")" 2>/dev/null || true; fi
rm -rf "$demo"
mkdir -p "$demo"
chmod 755 "$demo"

# A signing key for the demo repository (v4 ed25519: what pacman's gpg reads).
export GNUPGHOME="$demo/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'ahriman demo <demo@localhost>' ed25519 sign never
fingerprint=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr:/ { print $10; exit }')
gpg --batch --armor --export-secret-keys "$fingerprint" > "$demo/signing-key.asc"
gpg --batch --armor --export "$fingerprint" > "$demo/signing-key.pub.asc"
gpgconf --kill all

cat > "$demo/ahriman.ini" <<INI
[settings]
include = \${repository:root}/.config/ahriman/ahriman.ini.d

[repository]
root = $root

[build]
# bubblewrap sandbox: read-only host, private /tmp, no network while building
driver = sandbox

[sign]
target = package repository
key = $fingerprint
key_file = $demo/signing-key.asc

[web]
host = 127.0.0.1
port = $port

[auth]
# everybody may look; changes need the demo user (user-add below)
target = configuration
allow_read_only = yes
INI

ahriman() { node dist/main.cjs -c "$demo/ahriman.ini" "$@"; }
ahriman -a x86_64 -r demo service-setup --packager 'ahriman demo <demo@localhost>'
ahriman -a x86_64 -r demo package-add examples/pkgbuilds/*
# The examples need nothing from the AUR: skip its checks so the demo also works offline.
ahriman -a x86_64 -r demo repo-update --no-aur --no-dependencies
ahriman -a x86_64 -r demo package-status
ahriman user-add demo -p demo -R full

# A user of the repository: pacman with SigLevel = Required and the demo key in its keyring.
client="$demo/client"
mkdir -p "$client/root/var/lib/pacman" "$client/cache"
cat > "$client/pacman.conf" <<CONF
[options]
Architecture = auto
SigLevel = Required DatabaseRequired

[demo]
Server = file://$root/repository/demo/x86_64
CONF
pacman-key --gpgdir "$client/gnupg" --init >/dev/null 2>&1
pacman-key --gpgdir "$client/gnupg" --add "$demo/signing-key.pub.asc" >/dev/null 2>&1
pacman-key --gpgdir "$client/gnupg" --lsign-key "$fingerprint" >/dev/null 2>&1
pacman --config "$client/pacman.conf" --root "$client/root" --dbpath "$client/root/var/lib/pacman" \
  --cachedir "$client/cache" --gpgdir "$client/gnupg" --noconfirm --noscriptlet --assume-installed bash \
  -Sy ahriman-demo-app ahriman-demo-docs
gpgconf --homedir "$client/gnupg" --kill all
echo
echo "Installed from the signed demo repository into $client/root:"
ls "$client/root/usr/bin" "$client/root/usr/share/doc/ahriman-demo"

cat <<DONE

The repository is ready: $root/repository/demo/x86_64
To use it from pacman, add to /etc/pacman.conf (and pacman-key --add / --lsign-key $demo/signing-key.pub.asc):

[demo]
SigLevel = Required
Server = file://$root/repository/demo/x86_64
DONE

# The dashboard of the demo repository, left running for a person to open.
nohup node dist/main.cjs -c "$demo/ahriman.ini" web > "$demo/web.log" 2>&1 &
echo $! > "$demo/web.pid"
for _ in $(seq 1 60); do
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$port/api/v1/info"; then
    break
  fi
  sleep 0.5
done
cat <<WEB

Dashboard: http://127.0.0.1:$port/ (log in as demo / demo to add, update or remove packages)
It runs in the background (log: $demo/web.log); stop it with: kill \$(cat $demo/web.pid)
WEB
