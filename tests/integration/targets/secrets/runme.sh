#!/usr/bin/env bash
# Tokens and passwords given as options, as NHNCLOUD_* and OS_* environment
# variables, and through module_defaults, to succeeding and failing tasks at
# -vvvv: neither the values given nor the tokens issued from them may appear in
# the output or in the registered results.
set -eux

export ANSIBLE_ROLES_PATH=..
out="${OUTPUT_DIR:-$(mktemp -d)}/secrets"
mkdir -p "$out"
run() { ansible-playbook -e @../../integration_config.yml -e "out=$out" "$@"; }

# A broken gateway that echoes the token and the request body in its errors.
python3 files/erring.py --port-file "$out/erring.port" --seconds 900 &
erring=$!
trap 'kill "$erring" 2>/dev/null || true; run cleanup.yml' EXIT
for _ in $(seq 50); do [ -s "$out/erring.port" ] && break; sleep 0.1; done
erring_url="http://127.0.0.1:$(cat "$out/erring.port")"

run setup.yml -e "erring_url=$erring_url"

# Each way to give the credentials, for each kind of credential: options and
# module_defaults in one run each, the environment in one run per kind, from
# the files setup.yml wrote.
kinds="password wrong_password token refused_token bad_token"
kinds+=" erring_image erring_identity erring_after_login"
for way in options module_defaults; do
  run leak.yml -vvvv -e "way=$way" -e "kinds='$kinds'" > "$out/$way.log" 2>&1 ||
    { cat "$out/$way.log"; exit 1; }
done
for way in nhncloud_env os_env; do
  for kind in $kinds; do
    log="$out/$way-$kind.log"
    (
      # Not traced: the trace would print the values the check looks for.
      set +x -a
      . "$out/$way-$kind.env"
      set +a
      run leak.yml -vvvv -e "way=$way" -e "kinds=$kind"
    ) > "$log" 2>&1 || { cat "$log"; exit 1; }
  done
done

run check.yml
