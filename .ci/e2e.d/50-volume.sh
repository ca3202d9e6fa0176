#!/usr/bin/env bash
# Cinder: the guide's volume section with the real CLI, after its compute
# section (which makes the server the volume section attaches to and the
# network it boots from volume on: without a server those checks are
# skipped), then Tempest's volume API tests with a floor a little under what
# was measured (187 passed of 187 non-skipped, see the volume README).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$HERE/guide-check.sh" compute volume || status=1
TEMPEST_WS=${TEMPEST_WS_VOLUME:-/tmp/pocketstack-tempest-volume} \
  "$HERE/tempest-floor.sh" '^tempest\.api\.volume' 182 90 --concurrency 2 || status=1
exit $status
