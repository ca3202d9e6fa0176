#!/usr/bin/env bash
# Neutron: the guide's networking sections with the real CLI, then all of
# Tempest's network API tests with IPv6 subnet attributes on (TEMPEST_FULL=1).
# Tempest's subnet client sleeps 10 s before every subnet delete, so the
# suite's time is mostly waiting, not CPU: six workers bring the whole suite
# to about 8 minutes of test time (measured with TEMPEST_FULL=1: 264 passed,
# 0 failed, 0 skipped; see src/services/network/README.md).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
[ -n "${E2E_GUIDE_DONE:-}" ] || "$HERE/guide-check.sh" secgroup network topology || status=1
TEMPEST_FULL=1 TEMPEST_WS=${TEMPEST_WS:-/tmp/pocketstack-tempest-network} "$HERE/tempest-floor.sh" \
  '^tempest\.api\.network' 262 99 --concurrency 6 || status=1
exit $status
