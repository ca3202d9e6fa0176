#!/usr/bin/env bash
# Nova: the guide's key pair, compute, floating IP and snapshot sections with
# the real CLI (they make the networks, groups and image they need), then
# Tempest's compute API tests (the issue's regex, and the floating IP proxy
# tests) with a floor a little under what was measured (414 + 14 passed of
# 428 non-skipped, see the compute README).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$HERE/guide-check.sh" keypair compute floatingip snapshot || status=1
TEMPEST_WS=${TEMPEST_WS_COMPUTE:-/tmp/pocketstack-tempest-compute} "$HERE/tempest-floor.sh" \
  '^tempest\.api\.compute\.(flavors|keypairs|servers|images|limits|quotas|security_groups|floating_ips|volumes|admin)' \
  418 97 --concurrency 2 || status=1
exit $status
