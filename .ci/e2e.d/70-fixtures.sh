#!/usr/bin/env bash
# Issue 19's fixtures with the real openstack CLI, on clouds of its own (fake
# drivers, free ports): init hooks (a resource list with files, a HOT
# template with get_file, a script that runs the CLI) make a network and a
# stack; faults make the next server create end in ERROR with NoValidHost
# and the next image list answer 503, which the CLI retries; fault rules
# outlive a restart; a snapshot saved while the cloud serves requests,
# started as a second cloud, holds the same resources and image and volume
# bytes.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
PS=(node "$HERE/../bin/pocketstack.js")
W=$(mktemp -d /tmp/pocketstack-e2e-fixtures.XXXXXX)
A=$W/a B=$W/b
cleanup() {
  "${PS[@]}" stop --data-dir "$A" >/dev/null 2>&1 || true
  "${PS[@]}" stop --data-dir "$B" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
. "$HERE/checks.sh"
unset OS_CLOUD OS_TOKEN
START=(start --detach --port 0 --network-driver fake --compute-driver fake --default-image blank --no-host-setup --faults)

# --- init hooks ---
H=$W/hooks
mkdir -p "$H/files"
echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOdA1nTRr0Szd2PkLhLuv9Y9oA1kzJTGa3HlUxWGkeTr e2e@fixtures' >"$H/files/id.pub"
head -c 8388608 /dev/urandom >"$H/files/disk.img"
printf '#!/bin/sh\necho hello from user data\n' >"$H/files/user-data.sh"
cat >"$H/10-base.yaml" <<'YAML'
resources:
  - network: {name: hook-net}
  - subnet: {name: hook-subnet, network: hook-net, cidr: 10.61.0.0/24}
  - keypair: {name: hook-key, public_key_file: files/id.pub}
  - image: {name: hook-image, file: files/disk.img, disk_format: raw}
YAML
cat >"$H/20-app.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  net: {type: OS::Neutron::Net, properties: {name: hook-stack-net}}
  script: {type: OS::Heat::Value, properties: {value: {get_file: files/user-data.sh}}}
outputs:
  script: {value: {get_attr: [script, value]}}
YAML
cat >"$H/30-check.sh" <<'SH'
#!/bin/sh
set -e
# the hooks before this one made these; the CLI finds the cloud through the openrc in the environment
openstack network show hook-net -f value -c name
openstack stack show app -f value -c stack_status
SH
check "start --init runs the hooks" "${PS[@]}" "${START[@]}" --data-dir "$A" --init "$H"
check "the hooks are done" "${PS[@]}" wait --data-dir "$A" --timeout 120
eval "$("${PS[@]}" openrc admin admin --data-dir "$A")"
check "init: the script hook ran the CLI" grep -c "hook-net" "$A/console.log"
check "init: network from the resource list" openstack network show hook-net -f value -c name
expect "init: network hook-net" '^hook-net$'
check "init: stack from the template" openstack stack show app -f value -c stack_status
expect "init: stack CREATE_COMPLETE" '^CREATE_COMPLETE$'
check "init: get_file" openstack stack output show app script -f value -c output_value
expect "init: the stack read the file beside it" 'hello from user data'
check "init: network of the stack" openstack network show hook-stack-net -f value -c status
check "init: key pair from a file" openstack keypair show hook-key --public-key
expect "init: the public key is the file's" 'e2e@fixtures'
check "init: image data from a file" openstack image save hook-image --file "$W/image.out"
same "init: image bytes" "$(sha256sum <"$W/image.out")" "$(sha256sum <"$H/files/disk.img")"

# --- faults ---
check "fault add --step compute.schedule" "${PS[@]}" fault add --step compute.schedule --data-dir "$A"
# the CLI says so, but exits 0 (it raises a bare SystemExit)
openstack server create --image hook-image --flavor m1.tiny --network hook-net --wait nvh >"$W/out" 2>&1
OUT=$(cat "$W/out")
expect "server create --wait reports the failure" 'Error creating server'
check "the server is in ERROR" openstack server show nvh -f value -c status
expect "status ERROR" '^ERROR$'
check "its fault" openstack server show nvh -f json -c fault
expect "fault: NoValidHost" 'No valid host was found'
check "the next server create works" openstack server create --image hook-image --flavor m1.tiny --network hook-net --wait ok1 -f value -c status
expect "server ACTIVE" '^ACTIVE$'
check "fault add: a 503 on the next image list" "${PS[@]}" fault add --service image --method GET --path /v2/images --status 503 --data-dir "$A"
check "image list succeeds: the CLI retried" openstack image list -f value -c Name
expect "image list holds hook-image" 'hook-image'
check "the 503 was answered (log)" grep -c '"GET /image/v2/images 503' "$A/pocketstack.log"
check "fault list: the 503 rule is used up" "${PS[@]}" fault list --data-dir "$A"
if grep -q 503 <<<"$OUT"; then bad "the 503 rule is still listed: $OUT"; else ok "used up"; fi

# --- fault rules across a restart ---
check "fault add: every network list fails" "${PS[@]}" fault add --service network --method GET --path '/v2.0/networks' --status 500 --count 0 --data-dir "$A"
check "stop" "${PS[@]}" stop --data-dir "$A"
check "start again (the hooks already ran)" "${PS[@]}" "${START[@]}" --data-dir "$A" --init "$H"
eval "$("${PS[@]}" openrc admin admin --data-dir "$A")"
check "fault list after the restart" "${PS[@]}" fault list --data-dir "$A"
expect "the rule is still there" '/v2.0/networks'
openstack network list >/dev/null 2>"$W/err" && bad "network list worked under a kept fault" || ok "network list fails with the kept rule"
check "fault clear" "${PS[@]}" fault clear --data-dir "$A"
check "network list works again" openstack network list -f value -c Name

# --- snapshot while serving, loaded as a second cloud ---
check "volume from the image" openstack volume create --image hook-image --size 1 hook-vol -f value -c id
for _ in $(seq 60); do [ "$(openstack volume show hook-vol -f value -c status)" = available ] && break; sleep 1; done
(for i in 1 2 3 4 5; do openstack network create "during-$i" -f value -c id || echo "create during-$i failed"; done) >"$W/during" 2>&1 &
LOOP=$!
check "snapshot save while the cloud serves requests" "${PS[@]}" snapshot save "$W/cloud.snap" --data-dir "$A"
echo "     $(tail -1 <<<"$OUT")"
wait $LOOP
if grep -q failed "$W/during"; then bad "creates during the snapshot: $(cat "$W/during")"; else ok "creates during the snapshot all worked"; fi
check "snapshot show" "${PS[@]}" snapshot show "$W/cloud.snap"
expect "it lists what it holds" 'holds .*servers.*images.*volumes.*stacks'
check "start --from-snapshot into a fresh data dir" "${PS[@]}" "${START[@]}" --data-dir "$B" --from-snapshot "$W/cloud.snap"
"${PS[@]}" "${START[@]}" --data-dir "$B" --from-snapshot "$W/cloud.snap" >/dev/null 2>&1 &&
  bad "loading over a cloud without --force worked" || ok "loading over a cloud is refused"
list() { openstack "$@" -f value | sort; }
A_SERVERS=$(list server list -c ID -c Name -c Status)
A_STACKS=$(list stack list -c ID -c "Stack Status")
A_VOLUMES=$(list volume list -c ID -c Status -c Size)
A_IMAGES=$(list image list -c ID -c Name)
A_NETS=$(list network list -c ID -c Name)
A_VOL_ID=$(openstack volume show hook-vol -f value -c id)
eval "$("${PS[@]}" openrc admin admin --data-dir "$B")"
same "servers the same" "$(list server list -c ID -c Name -c Status)" "$A_SERVERS"
same "stacks the same" "$(list stack list -c ID -c "Stack Status")" "$A_STACKS"
same "volumes the same" "$(list volume list -c ID -c Status -c Size)" "$A_VOLUMES"
same "images the same" "$(list image list -c ID -c Name)" "$A_IMAGES"
B_NETS=$(list network list -c ID -c Name)
if comm -13 <(echo "$A_NETS") <(echo "$B_NETS") | grep -q .; then bad "networks in the snapshot the source does not have"; else ok "networks: a subset of the source's"; fi
grep -q hook-stack-net <<<"$B_NETS" && ok "the stack's network is there" || bad "the stack's network is missing"
check "image bytes after the load" openstack image save hook-image --file "$W/image.b"
same "image bytes the same" "$(sha256sum <"$W/image.b")" "$(sha256sum <"$H/files/disk.img")"
if qemu-img compare -q -f raw -F raw "$A/volumes/volume-$A_VOL_ID.raw" "$B/volumes/volume-$A_VOL_ID.raw"; then
  ok "volume bytes the same"
else bad "volume bytes differ"; fi
check "the loaded cloud works: a server" openstack server create --image hook-image --flavor m1.tiny --network hook-net --wait after-load -f value -c status
expect "server ACTIVE" '^ACTIVE$'

echo "fixtures: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
