#!/usr/bin/env bash
# The top README's "Measured": time to ready (first start and a restart) and the
# RSS of pocketstack, idle and after a few openstack CLI calls; fake drivers, three runs.
# Usage: bench/start.sh (needs the openstack CLI)
set -euo pipefail
B=$(cd "$(dirname "$0")/.." && pwd)/bin/pocketstack.js
F=(--port 0 --network-driver fake --compute-driver fake --default-image blank --no-host-setup)
for i in 1 2 3; do
  D=$(mktemp -d /tmp/pocketstack-measure.XXXXXX)
  t0=$(date +%s%N); out=$(node $B start --detach --data-dir $D "${F[@]}"); t1=$(date +%s%N)
  ready=$(grep -o 'ready in [0-9]* ms' <<<"$out"); pid=$(cat $D/pocketstack.pid)
  sleep 2; idle=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  eval "$(node $B openrc admin admin --data-dir $D)"
  openstack server list >/dev/null; openstack image list >/dev/null; openstack network list >/dev/null
  used=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  node $B stop --data-dir $D >/dev/null
  t2=$(date +%s%N); out2=$(node $B start --detach --data-dir $D "${F[@]}"); t3=$(date +%s%N)
  ready2=$(grep -o 'ready in [0-9]* ms' <<<"$out2"); pid2=$(cat $D/pocketstack.pid)
  sleep 2; idle2=$(awk '/VmRSS/{print $2}' /proc/$pid2/status)
  node $B stop --data-dir $D >/dev/null
  echo "run $i: first start: detach returned in $(( (t1-t0)/1000000 )) ms, banner $ready, RSS idle $((idle/1024)) MiB, after CLI $((used/1024)) MiB | restart: detach $(( (t3-t2)/1000000 )) ms, banner $ready2, RSS idle $((idle2/1024)) MiB"
  rm -rf $D
done
