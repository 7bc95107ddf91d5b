#!/usr/bin/env bash
# The test command: every gate, one stage after another, each timed.
#   tests/run.sh                 all stages
#   tests/run.sh lint unit       only those stages
# Ends with a table of stage times and one line "stages: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

# shellcheck source=tests/lib.sh
. tests/lib.sh
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 MOLECULE_NO_LOG=false

# Scenarios in deploy order; any other scenario folder runs after them.
order="preflight docker base_images runtime_image stack default drills"
all=$(cd molecule && for d in */molecule.yml; do printf '%s\n' "${d%/molecule.yml}"; done)
SCENARIOS=${SCENARIOS:-$(for s in $order; do echo "$all" | grep -qx "$s" && printf '%s ' "$s"; done
  echo "$all" | grep -vxF -f <(tr ' ' '\n' <<<"$order") | tr '\n' ' ')}

stage_venv() {
  # The marker is written last, so an interrupted install is redone, not trusted.
  [ -f "$VENV/.complete" ] && return 0
  rm -rf "$VENV"
  python3.11 -m venv "$VENV" \
    && "$VENV/bin/pip" install -q --disable-pip-version-check \
         -r requirements-dev.txt -r requirements-app-test.txt \
    && touch "$VENV/.complete"
}
stage_substrate() { tests/substrate/substrate.sh up; }
stage_lint() {
  yamllint -s . && ruff check . && ruff format --check . && ansible-lint --offline -q
}
stage_sanity() { tests/sanity.sh; }
stage_unit() { pytest -q -p no:cacheprovider tests/unit; }
stage_contract() { pytest -q -p no:cacheprovider tests/contract; }
stage_integration() { pytest -q -p no:cacheprovider tests/integration; }
stage_molecule() {
  local s rc=0
  for s in $SCENARIOS; do
    local t0=$SECONDS
    molecule test -s "$s" || rc=1
    record "molecule:$s" $((SECONDS - t0)) $rc
  done
  return $rc
}

names=() times=() results=()
record() { names+=("$1"); times+=("$2"); results+=("$3"); }

run_stage() {
  local name=$1 t0=$SECONDS rc
  printf '\n=== stage %s ===\n' "$name"
  if [ "$name" = molecule ]; then stage_molecule; rc=$?; return $rc; fi
  "stage_$name"; rc=$?
  record "$name" $((SECONDS - t0)) $rc
  return $rc
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(venv substrate lint sanity unit contract integration molecule)
failed=0
for s in "${stages[@]}"; do
  if ! declare -F "stage_$s" >/dev/null; then echo "unknown stage: $s" >&2; exit 2; fi
  # Skip test stages that have no tests yet.
  case $s in unit|contract|integration) [ -d "tests/$s" ] || continue ;; esac
  run_stage "$s" || failed=1
  # Without a toolchain or a daemon nothing after can run.
  if [ $failed -ne 0 ] && { [ "$s" = venv ] || [ "$s" = substrate ]; }; then break; fi
done

printf '\n%-28s %8s  %s\n' stage seconds result
npass=0 nfail=0
for i in "${!names[@]}"; do
  if [ "${results[$i]}" -eq 0 ]; then r=passed; npass=$((npass + 1)); else r=FAILED; nfail=$((nfail + 1)); fi
  printf '%-28s %8s  %s\n' "${names[$i]}" "${times[$i]}" "$r"
done
echo "stages: $npass passed, $nfail failed"
[ $nfail -eq 0 ] && [ $failed -eq 0 ]
