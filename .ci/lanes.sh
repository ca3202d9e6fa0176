# Sourced by .ci/run: run stages concurrently, each into its own log, and
# report each one's time and status when they are all done.
#   lane NAME COMMAND...   start COMMAND in the background as stage NAME
#   wait_lanes             wait for every lane started since the last wait;
#                          print each lane's log and a table of times; return 1
#                          if any failed
LANE_DIR=${LANE_DIR:-$(mktemp -d /tmp/pocketstack-lanes.XXXXXX)}
LANES=()
LANE_PIDS=()
LANE_SUMMARY=()

lane() {
  local name=$1; shift
  LANES+=("$name")
  echo "--- lane $name started ($(date +%T))"
  (
    set +e
    t0=$SECONDS
    "$@" >"$LANE_DIR/$name.log" 2>&1
    rc=$?
    echo "$rc $((SECONDS - t0))" >"$LANE_DIR/$name.rc"
    echo "--- lane $name finished: exit $rc in $((SECONDS - t0)) s ($(date +%T))"
  ) &
  LANE_PIDS+=($!)
}

wait_lanes() {
  # only the lanes: the cloud started in the background must not be waited for
  wait "${LANE_PIDS[@]}" || true
  local failed=0 name rc secs
  for name in "${LANES[@]}"; do
    read -r rc secs <"$LANE_DIR/$name.rc" 2>/dev/null || { rc=99; secs=?; }
    echo
    echo "===== lane $name: exit $rc, $secs s"
    cat "$LANE_DIR/$name.log"
    LANE_SUMMARY+=("$(printf '%-28s %6s s  %s' "$name" "$secs" "$([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)")")")
    [ "$rc" = 0 ] || failed=1
  done
  LANES=()
  LANE_PIDS=()
  return $failed
}

print_summary() {
  echo
  echo "===== stage times"
  printf '%s\n' "${LANE_SUMMARY[@]}"
}
