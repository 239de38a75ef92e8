#!/usr/bin/env bash
# Two ansible-playbook runs share one image with overlapping tenant lists at
# the same time: both succeed, no "already a member" error, and Glance ends
# with exactly the union, each tenant once. The request log shows their adds
# interleaved.
set -eux

export ANSIBLE_ROLES_PATH=..
out="${OUTPUT_DIR:-$(mktemp -d)}/concurrency"
mkdir -p "$out"
rm -f "$out"/ready-* "$out/go"
run() { ansible-playbook -e @../../integration_config.yml -e "out=$out" "$@"; }

run setup.yml
trap 'run cleanup.yml' EXIT

# Both runs start, get ready, and wait for the same go.
run share.yml -e side=a > "$out/a.log" 2>&1 &
a=$!
run share.yml -e side=b > "$out/b.log" 2>&1 &
b=$!
for _ in $(seq 600); do
  [ -e "$out/ready-a" ] && [ -e "$out/ready-b" ] && break
  sleep 0.1
done
touch "$out/go"
status_a=0
wait "$a" || status_a=$?
status_b=0
wait "$b" || status_b=$?
cat "$out/a.log" "$out/b.log"
[ "$status_a" = 0 ] && [ "$status_b" = 0 ]

run verify.yml
run twins.yml
