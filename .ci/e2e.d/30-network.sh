#!/usr/bin/env bash
# Neutron: the guide's networking sections with the real CLI.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
"$HERE/guide-check.sh" secgroup network topology
