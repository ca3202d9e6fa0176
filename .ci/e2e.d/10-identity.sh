#!/usr/bin/env bash
# Keystone: the guide's identity section with the real CLI, application
# credential access rules with the real CLI, then Tempest's identity API tests
# (v3 and admin v3) with a floor a little under what passes.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
status=0
[ -n "${E2E_GUIDE_DONE:-}" ] || "$HERE/guide-check.sh" identity || status=1

# An application credential limited to listing servers: `server list` (which
# calls /v2.1/servers/detail) works with it, `network list` is refused (401).
access_rules() {
  local name=ci-access-rules-$$ out id secret
  out=$(openstack application credential create "$name" -f json --access-rules \
    '[{"service":"compute","method":"GET","path":"/v2.1/servers"},{"service":"compute","method":"GET","path":"/v2.1/servers/detail"}]') || return 1
  id=$(jq -r .id <<<"$out")
  secret=$(jq -r .secret <<<"$out")
  local as_cred=(env -u OS_USERNAME -u OS_PASSWORD -u OS_PROJECT_NAME -u OS_USER_DOMAIN_ID -u OS_PROJECT_DOMAIN_ID
    -u OS_TOKEN OS_AUTH_TYPE=v3applicationcredential OS_APPLICATION_CREDENTIAL_ID="$id"
    OS_APPLICATION_CREDENTIAL_SECRET="$secret")
  local ok=0
  if "${as_cred[@]}" openstack server list >/dev/null; then echo "ok   access rules: server list allowed"
  else echo "FAIL access rules: server list refused"; ok=1; fi
  if err=$("${as_cred[@]}" openstack network list 2>&1); then echo "FAIL access rules: network list allowed"; ok=1
  elif grep -q 'requires authentication.*401\|401.*requires authentication' <<<"$err"; then
    echo "ok   access rules: network list refused (401)"
  else echo "FAIL access rules: network list: $err"; ok=1; fi
  openstack application credential delete "$name" || ok=1
  return $ok
}
access_rules || status=1

TEMPEST_WS=${TEMPEST_WS_IDENTITY:-/tmp/tempest-identity} \
  "$HERE/tempest-floor.sh" '^tempest\.api\.identity\.(v3|admin\.v3)' 125 95 --concurrency 2 || status=1
exit $status
