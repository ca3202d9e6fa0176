#!/usr/bin/env bash
# Keystone: the guide's identity section with the real CLI, then Tempest's
# identity API tests (v3 and admin v3) with a floor a little under what passes.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$HERE/guide-check.sh" identity || status=1
TEMPEST_WS=${TEMPEST_WS_IDENTITY:-/tmp/tempest-identity} \
  "$HERE/tempest-floor.sh" '^tempest\.api\.identity\.(v3|admin\.v3)' 125 95 --concurrency 2 || status=1
exit $status
