#!/usr/bin/env bash
# The OpenStack CLI the way users loop over it today: one process per call,
# each with its own start-up and its own identity lookups. OS_CLOUD and
# OS_CLIENT_CONFIG_FILE pick the cloud; OPENSTACK names the command.
#
#   cli.sh share IMAGE TENANT...      image add project, once per tenant
#   cli.sh exclusive IMAGE TENANT...  member list, then remove project for every
#                                     member not listed
#   cli.sh list                       image list --private
#   cli.sh list-name NAME             image list --name NAME
#   cli.sh drift IMAGE...             image list --shared, then member list per image
#
# The last line printed is "calls=N failed=M"; drift first prints
# "IMAGE MEMBER STATUS" for every member it finds.
set -uo pipefail

openstack=${OPENSTACK:-openstack}
calls=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# One CLI process; its output goes to $out.
call() {
  calls=$((calls + 1))
  "$openstack" "$@" > "$out" 2> /dev/null || failed=$((failed + 1))
}

command=$1
shift
case "$command" in
  share)
    image=$1
    shift
    for tenant in "$@"; do
      call image add project "$image" "$tenant"
    done
    ;;
  exclusive)
    image=$1
    shift
    keep=" ${*,,} "
    call image member list "$image" -f value -c "Member ID"
    mapfile -t members < "$out"
    for member in "${members[@]}"; do
      if [[ $keep != *" ${member,,} "* ]]; then
        call image remove project "$image" "$member"
      fi
    done
    ;;
  list)
    call image list --private -f value -c ID
    echo "images=$(wc -l < "$out")"
    ;;
  list-name)
    call image list --name "$1" -f value -c ID
    echo "images=$(wc -l < "$out")"
    ;;
  drift)
    declare -A wanted
    for name in "$@"; do
      wanted[$name]=1
    done
    call image list --shared -f value -c ID -c Name
    mapfile -t images < "$out"
    for line in "${images[@]}"; do
      read -r id name <<< "$line"
      if [[ -n ${wanted[$name]:-} ]]; then
        call image member list "$id" -f value -c "Member ID" -c Status
        while read -r member status; do
          echo "$name $member $status"
        done < "$out"
      fi
    done
    ;;
  *)
    echo "unknown command: $command" >&2
    exit 2
    ;;
esac
echo "calls=$calls failed=$failed"
