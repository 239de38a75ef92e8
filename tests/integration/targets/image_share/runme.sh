#!/usr/bin/env bash
# The image_share role the way users run it: ansible-playbook with and without
# --check, against the local Glance. Each playbook asserts what Glance holds.
set -eux

export ANSIBLE_ROLES_PATH=..
state="${OUTPUT_DIR:-$(mktemp -d)}/image_share_state.yml"
run() { ansible-playbook -e @../../integration_config.yml -e "state_file=$state" "$@"; }

run setup.yml
trap 'run cleanup.yml' EXIT

# Bad input: refused by the argument spec before any request, naming the key.
bad() { run bad_input.yml -e "expected='$1'" -e "$2"; }
bad "missing required arguments: image_share_shares" '{}'
bad "image_share_shares" '{"image_share_shares": "golden"}'
bad "members" '{"image_share_shares": [{"image": "golden"}]}'
bad "image_share_fail_on_drift" '{"image_share_shares": [], "image_share_fail_on_drift": "maybe"}'
bad "tenant_id" '{"image_share_shares": [], "image_share_consumers": [{"token": "x"}]}'
bad "image_share_consumers" '{"image_share_shares": [], "image_share_consumers": "beta"}'
bad "image_share_parallel" '{"image_share_shares": [], "image_share_parallel": 11}'
# An image that cannot be shared (protected, still private) is refused before
# any change, even to the other images of the same run.
run refuse.yml

# What the argument spec cannot see is refused by the role's own check, also
# before any request.
check() {
  run bad_input.yml -e "failed_task='Check the input'" -e "$2" \
    -e "$(python3 -c 'import json, sys; print(json.dumps({"expected": sys.argv[1]}))' "$1")"
}
hex=0123456789abcdef0123456789abcdef
check "image_share_shares[0].members[1] \"not-a-tenant\" is not a tenant ID" \
  "{\"image_share_shares\": [{\"image\": \"golden\", \"members\": [\"$hex\", \"not-a-tenant\"]}]}"
check "image_share_shares[0].members lists tenant $hex more than once" \
  "{\"image_share_shares\": [{\"image\": \"golden\", \"members\": [\"$hex\", \"${hex^^}\"]}]}"
many=$(python3 -c 'import json; print(json.dumps(["%032x" % n for n in range(128)]))')
check "image_share_shares[0].members lists 128 tenants, more than the 127" \
  "{\"image_share_shares\": [{\"image\": \"golden\", \"members\": $many}]}"
check "image_share_shares[1].image \"golden\" is listed before" \
  '{"image_share_shares": [{"image": "golden", "members": []}, {"image": "golden", "members": []}]}'
check "image_share_consumers[0] has no credentials" \
  "{\"image_share_shares\": [], \"image_share_consumers\": [{\"tenant_id\": \"$hex\"}]}"
check "image_share_consumers[0].tenant_id \"beta\" is not a tenant ID" \
  '{"image_share_shares": [], "image_share_consumers": [{"tenant_id": "beta", "token": "x"}]}'

# Check mode first: the drift is reported and nothing changes.
run share.yml --check --diff -e phase=check

# The real run, then a rerun in which no task changes anything.
run share.yml -e phase=apply -e parallel=3
run share.yml -e phase=rerun -vvvv > "$state.rerun.log" 2>&1 || { cat "$state.rerun.log"; exit 1; }
grep -E '^localhost +: .* changed=0 ' "$state.rerun.log"

# At -vvvv, no password and no token (given or issued) shows anywhere.
run secrets.yml -e "log_file=$state.rerun.log"

# A member removed outside Ansible is drift; fail_on_drift makes CI fail on it.
run outside.yml
run share.yml --check -e phase=drift
if run share.yml --check -e phase=gate -e image_share_fail_on_drift=true \
    > "$state.gate.log" 2>&1; then
  echo "fail_on_drift did not fail the check-mode run"; exit 1
fi
cat "$state.gate.log"
grep -F "Drift in 1 of 2 image(s)" "$state.gate.log"
grep -F "$(cat "$state.removed")" "$state.gate.log"
