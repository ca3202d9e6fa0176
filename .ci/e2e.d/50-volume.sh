#!/usr/bin/env bash
# Cinder: the guide's volume section with the real CLI (its attach and
# boot-from-volume checks run when the compute section made servers), then
# Tempest's volume API tests with a floor a little under what was measured
# (186 of 187 non-skipped here).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$HERE/guide-check.sh" volume || status=1
TEMPEST_WS=${TEMPEST_WS_VOLUME:-/tmp/pocketstack-tempest-volume} \
  "$HERE/tempest-floor.sh" '^tempest\.api\.volume' 175 93 --concurrency 2 || status=1
exit $status
