#!/usr/bin/env bash
# The README's commands (its bash blocks between <!-- readme-check:start and
# <!-- readme-check:end -->), typed in order in a fresh clone as a new user
# would: an unprivileged user (as root, start would pick the real drivers and
# may install packages) with a HOME of its own, npm's global prefix in it, no
# pocketstack on PATH before, no OS_* variables. Only the clone URL is filled
# in (this checkout's committed HEAD) and the port is a free one
# (POCKETSTACK_PORT), so a cloud already on 5000 does not matter. Passes when
# the commands all succeed (`openstack server list` among them) and nothing
# of the clone runs after its `pocketstack stop`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/pocketstack-readme.XXXXXX)
chmod 755 "$WORK"
RUN=()
if [ "$(id -u)" = 0 ]; then
  RUN=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chown 65534:65534 "$WORK"
fi
as_user() { "${RUN[@]}" "$@"; }

cleanup() {
  local pid
  pid=$(cat "$WORK/home/.local/share/pocketstack/pocketstack.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; sleep 2; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

awk '/<!-- readme-check:start/ { on = 1; next } /<!-- readme-check:end/ { on = 0 }
  on && /^```/ { block = !block; next } on && block' "$ROOT/README.md" >"$WORK/commands.sh"
grep -q "^git clone <this repository's URL> pocketstack" "$WORK/commands.sh" ||
  { echo "readme-check: the README's first command is not the clone it expects"; exit 1; }
sed -i "s|<this repository's URL>|$ROOT|" "$WORK/commands.sh"
echo "--- the README's commands:"; cat "$WORK/commands.sh"

# the user's npm setup starts as ours: its config (a nodedir, a CA file: what this
# machine needs to build better-sqlite3) and a copy of its cache (no download)
as_user mkdir -p "$WORK/home" "$WORK/npm-cache"
[ -f "$HOME/.npmrc" ] && cp "$HOME/.npmrc" "$WORK/home/.npmrc"
# this checkout belongs to another user: git would refuse to clone it
as_user git config --file "$WORK/home/.gitconfig" safe.directory '*'
[ -d "${npm_config_cache:-$HOME/.npm}/_cacache" ] && cp -r "${npm_config_cache:-$HOME/.npm}/_cacache" "$WORK/npm-cache/"
[ "${#RUN[@]}" = 0 ] || chown -R 65534:65534 "$WORK/npm-cache" "$WORK/home"
PORT=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
NODE_DIR=$(dirname "$(command -v node)")

cd "$WORK"
t0=$SECONDS
as_user env -i HOME="$WORK/home" PATH="$WORK/home/.npm-global/bin:$NODE_DIR:/usr/local/bin:/usr/bin:/bin" \
  NPM_CONFIG_PREFIX="$WORK/home/.npm-global" NPM_CONFIG_CACHE="$WORK/npm-cache" NPM_CONFIG_UPDATE_NOTIFIER=false \
  NPM_CONFIG_AUDIT=false NPM_CONFIG_FUND=false POCKETSTACK_PORT="$PORT" \
  bash -euxo pipefail "$WORK/commands.sh"
echo "--- the README's commands took $((SECONDS - t0)) s"

# nothing of the clone runs, nothing listens on its port
left=$(pgrep -f "$WORK/" || true)
if [ -n "$left" ]; then echo "readme-check: still running after pocketstack stop:"; ps -o pid,args -p "$left"; exit 1; fi
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then echo "readme-check: port $PORT still answers"; exit 1; fi
echo "readme-check: ok"
