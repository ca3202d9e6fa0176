#!/usr/bin/env bash
# Cinder: the guide's volume section with the real CLI (its attach and
# boot-from-volume checks run when the compute section made servers).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
"$HERE/guide-check.sh" volume || status=1
exit $status
