#!/usr/bin/env bash
# Nova: the guide's key pair, compute, floating IP and snapshot sections with
# the real CLI (they make the networks, groups and image they need), then
# Tempest's compute API tests with a floor a little under what was measured.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$HERE/guide-check.sh" keypair compute floatingip snapshot || status=1
exit $status
