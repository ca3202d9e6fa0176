#!/usr/bin/env bash
# Nova: the guide's key pair section with the real CLI (servers join once
# the image and network services have landed).
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
"$HERE/guide-check.sh" keypair
