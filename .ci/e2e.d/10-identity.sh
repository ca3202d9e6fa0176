#!/usr/bin/env bash
# Keystone: the guide's identity section with the real CLI.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
"$HERE/guide-check.sh" identity
