#!/usr/bin/env bash
# Runs ../shared/e2e/guide.sh on the given sections and fails on any FAIL
# that is not listed in .ci/guide-known-failures.txt (checks that need a
# service which has not landed yet). A known failure that now passes is
# reported so the list can shrink.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${SHARED:-$HERE/../../shared}
KNOWN=$HERE/guide-known-failures.txt
# lanes run guide.sh at the same time: each run its own id (names of what it makes)
export GUIDE_RUN_ID=${GUIDE_RUN_ID:-$((RANDOM * 32768 + RANDOM))}
out=$("$SHARED/e2e/guide.sh" "$@" 2>&1)
echo "$out"
unexpected=0
while IFS= read -r line; do
  what=${line#FAIL }; what=${what%% :: *}
  if grep -Fxq -- "$what" <(grep -v '^#' "$KNOWN"); then echo "known failure: $what"
  else echo "UNEXPECTED FAILURE: $what"; unexpected=$((unexpected + 1)); fi
done < <(grep '^FAIL ' <<<"$out")
while IFS= read -r line; do
  what=${line#ok   }
  grep -Fxq -- "$what" <(grep -v '^#' "$KNOWN") && echo "note: '$what' passes now; remove it from $KNOWN"
done < <(grep '^ok   ' <<<"$out")
[ "$unexpected" -eq 0 ]
