#!/usr/bin/env bash
# Heat with the real openstack CLI (heatclient): the guide's orchestration
# section (../shared/e2e/two-tier.yaml: networks, router, ports, servers,
# floating IP, volume and attachment), then what the guide does not show:
# nested resources (ResourceGroup, provider templates through -e and by file
# name), a wait condition signalled with curl from the host, update --wait, a
# failure with its cause, delete --wait.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
[ -n "${E2E_GUIDE_DONE:-}" ] || "$HERE/guide-check.sh" orchestration || guide_failed=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
. "$HERE/checks.sh"
S=heatci_$$

cat >"$W/t.yaml" <<'YAML'
heat_template_version: rocky
description: CI stack of Heat's own resources
parameters:
  size: {type: number, default: 2, constraints: [{range: {min: 1, max: 5}}]}
resources:
  secret: {type: OS::Heat::RandomString, properties: {length: 16}}
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: size}
      resource_def: {type: OS::Heat::TestResource, properties: {value: "m-%index%"}}
  handle: {type: OS::Heat::WaitConditionHandle}
  wait:
    type: OS::Heat::WaitCondition
    depends_on: group
    properties: {handle: {get_resource: handle}, timeout: 60}
outputs:
  members: {value: {get_attr: [group, output]}}
  curl: {value: {get_attr: [handle, curl_cli]}}
  length: {value: {str_split: [",", {list_join: [",", {get_attr: [group, output]}]}]}}
YAML

printf 'heat_template_version: rocky\nresources:\n  a:\n    type: OS::Heat::None\n   properties: {}\n' >"$W/bad.yaml"
check "a template that does not parse is refused" bash -c "! openstack orchestration template validate -t $W/bad.yaml"
check "stack create" openstack stack create -t "$W/t.yaml" "$S" -f value -c stack_status
for _ in $(seq 100); do
  CURL=$(openstack stack output show "$S" curl -f value -c output_value 2>/dev/null)
  [ -n "$CURL" ] && [ "$CURL" != None ] && break; sleep 0.2
done
check "signal the wait condition with its curl_cli" bash -c "$CURL --data-binary '{\"status\": \"SUCCESS\"}' -sf -o /dev/null"
for _ in $(seq 100); do
  s=$(openstack stack show "$S" -f value -c stack_status); [ "$s" = CREATE_IN_PROGRESS ] || break; sleep 0.2
done
[ "$s" = CREATE_COMPLETE ] && ok "stack CREATE_COMPLETE" || bad "stack CREATE_COMPLETE ($s)"
check "nested resource list" openstack stack resource list "$S" --nested-depth 1 -f value -c resource_status
[ -z "$(grep -v CREATE_COMPLETE <<<"$OUT")" ] && ok "every resource CREATE_COMPLETE" || bad "every resource CREATE_COMPLETE: $OUT"
check "stack update --wait" openstack stack update --existing --parameter size=3 --wait "$S" -f value -c stack_status
check "output after update" openstack stack output show "$S" members -f value -c output_value
expect "three members" "m-2"
check "stack delete --wait" openstack stack delete -y --wait "$S"
cat >"$W/member.yaml" <<'YAML'
heat_template_version: rocky
parameters:
  label: {type: string}
resources:
  inner: {type: OS::Heat::TestResource, properties: {value: {get_param: label}}}
outputs:
  value: {value: {get_attr: [inner, output]}}
YAML
printf 'resource_registry:\n  My::Member: member.yaml\n' >"$W/env.yaml"
printf 'heat_template_version: rocky\nresources:\n  a: {type: My::Member, properties: {label: via-registry}}\n  b: {type: member.yaml, properties: {label: direct}}\noutputs:\n  a: {value: {get_attr: [a, value]}}\n' >"$W/prov.yaml"
check "provider templates: stack create --wait" openstack stack create --wait -t "$W/prov.yaml" -e "$W/env.yaml" "${S}_p"
check "provider template output" openstack stack output show "${S}_p" a -f value -c output_value
expect "the nested stack's output is the attribute" '^via-registry$'
check "provider template nested resources" openstack stack resource list "${S}_p" --nested-depth 1 -f value -c resource_name
expect "the nested template's resources" 'inner'
check "provider templates: stack delete --wait" openstack stack delete -y --wait "${S}_p"
check "stack create that fails" bash -c "! openstack stack create --wait -t <(printf 'heat_template_version: rocky\nresources:\n  x: {type: OS::Heat::TestResource, properties: {fail: true}}\n') ${S}_f"
check "failure reason" openstack stack show "${S}_f" -f value -c stack_status_reason
expect "the cause is named" 'Test Resource failed x'
openstack stack delete -y --wait "${S}_f" >/dev/null 2>&1
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ -z "${guide_failed:-}" ]
