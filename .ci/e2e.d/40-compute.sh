#!/usr/bin/env bash
# Nova: the guide's key pair, compute, floating IP and snapshot sections with
# the real CLI (they make the networks, groups and image they need), then all
# of Tempest's compute API tests at every microversion (TEMPEST_FULL=1: up to
# 2.93, resize, VNC console, stable rescue) with a floor at what was measured
# with the fake drivers (501 passed of 501 non-skipped in CI on 6370a32, the
# fake guests' noVNC console included; see the compute README), less 3 for the
# tests that skip when another lane's shared network exists (auto-allocated
# networks).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
[ -n "${E2E_GUIDE_DONE:-}" ] || "$HERE/guide-check.sh" keypair compute floatingip snapshot || status=1
TEMPEST_FULL=1 TEMPEST_WS=${TEMPEST_WS_COMPUTE:-/tmp/pocketstack-tempest-compute} \
  "$HERE/tempest-floor.sh" '^tempest\.api\.compute' 498 99 --concurrency 3 || status=1
exit $status
