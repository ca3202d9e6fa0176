#!/usr/bin/env bash
# Glance: the guide's image section with the real openstack and glance clients,
# then Tempest's image API tests with a floor a little under what was measured
# (60 passed, 0 failed, 8 skipped: see src/services/image/README.md).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$HERE/guide-check.sh" image || status=1
TEMPEST_WS=${TEMPEST_WS_IMAGE:-/tmp/pocketstack-tempest-image} \
  "$HERE/tempest-floor.sh" '^tempest\.api\.image\.v2' 57 95 --concurrency 2 || status=1
exit $status
