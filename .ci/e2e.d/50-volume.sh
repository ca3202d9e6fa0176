#!/usr/bin/env bash
# Cinder: the guide's volume section with the real CLI, after its compute
# section (which makes the server the volume section attaches to and the
# network it boots from volume on: without a server those checks are
# skipped), then Tempest's volume API tests at every microversion
# (TEMPEST_FULL=1) with a floor a little under what was measured (206 passed
# of 206 non-skipped, 3 skipped; see the volume README).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
[ -n "${E2E_GUIDE_DONE:-}" ] || "$HERE/guide-check.sh" compute volume || status=1
TEMPEST_FULL=1 TEMPEST_WS=${TEMPEST_WS_VOLUME:-/tmp/pocketstack-tempest-volume} \
  "$HERE/tempest-floor.sh" '^tempest\.api\.volume' 204 99 --concurrency 2 || status=1
exit $status
