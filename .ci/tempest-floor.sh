#!/usr/bin/env bash
# Runs ../shared/e2e/tempest.sh REGEX and fails when fewer than MIN tests pass
# or the pass rate of non-skipped tests is under PCT percent.
#   tempest-floor.sh REGEX MIN PCT [tempest run args]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${SHARED:-$HERE/../../shared}
regex=$1 min=$2 pct=$3; shift 3
out=$("$SHARED/e2e/tempest.sh" "$regex" "$@" 2>&1)
echo "$out" | tail -60
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' <<<"$out" | tail -1)
[ -n "$line" ] || { echo "tempest did not report a result"; exit 1; }
read -r pass _ fail _ <<<"$line"
total=$((pass + fail))
rate=$(( total > 0 ? pass * 100 / total : 0 ))
echo "tempest $regex: $pass passed of $total non-skipped ($rate%); floor $min passed and $pct%"
[ "$pass" -ge "$min" ] && [ "$rate" -ge "$pct" ]
