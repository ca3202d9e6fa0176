# Sourced by .ci/run: run stages concurrently, each into its own log, and
# report each one's time and status when they are all done.
#   lane NAME COMMAND...   start COMMAND in the background as stage NAME
#   wait_lanes             wait for every lane started since the last wait;
#                          print each lane's log and a table of times; return 1
#                          if any failed
#   print_failed           the end of each failed lane's log again, so that
#                          the last lines CI prints say what failed
LANE_DIR=${LANE_DIR:-$(mktemp -d /tmp/pocketstack-lanes.XXXXXX)}
LANES=()
LANE_PIDS=()
LANE_SUMMARY=()
LANE_FAILED=()

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
    [ "$rc" = 0 ] || { failed=1; LANE_FAILED+=("$name"); }
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

print_failed() {
  local name
  for name in "${LANE_FAILED[@]}"; do
    echo
    echo "===== lane $name FAILED: the end of its log (colours removed, long lines cut)"
    sed 's/\x1b\[[0-9;]*m//g' "$LANE_DIR/$name.log" | grep -v '^\s*$' | tail -40 | cut -c1-300
  done
}
