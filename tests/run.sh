#!/usr/bin/env bash
# The test command: every gate, one stage after another, each timed.
#   tests/run.sh                 all stages
#   tests/run.sh lint unit       only those stages
# Ends with a table of stage times and one line "stages: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

# shellcheck source=tests/lib.sh
. tests/lib.sh
export ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 MOLECULE_NO_LOG=false

# Scenarios in deploy order; any other scenario folder runs after them. drills
# runs the default scenario's converge, idempotence and tests before its own, so
# default (the quick `molecule test` for users) is not run twice.
order="preflight docker base_images runtime_image stack realapp swarm drills"
all=$(cd molecule && for d in */molecule.yml; do printf '%s\n' "${d%/molecule.yml}"; done | grep -vx default)
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
  yamllint -s . && ruff check . && ruff format --check . && ansible-lint --offline -q \
    && antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
}
stage_sanity() { tests/sanity.sh; }
# What failed is repeated after the table: CI shows only a run's last lines.
notes=$(mktemp)
trap 'rm -f "$notes"' EXIT
note_failures() {  # note_failures TITLE LOG: the log's failure lines, or its tail
  { printf -- '--- %s\n' "$1"
    grep -E '^(FAILED|ERROR) |^(fatal|failed): |^E  +[A-Za-z]*(Error|assert)' "$2" | cut -c1-600 | tail -n 25 \
      || tail -n 25 "$2"; } >>"$notes"
}
pytest_stage() {  # pytest_stage DIR...
  local out rc
  out=$(mktemp)
  pytest -q -rfE -p no:cacheprovider "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || note_failures "$*" "$out"
  rm -f "$out"
  return "$rc"
}
# No daemon needed: tests/meta runs meta/runtime.yml's action group, tests/docs fails
# while a role's README differs from what tools/role_docs.py writes from its specs.
stage_unit() { pytest_stage tests/unit tests/meta tests/docs; }
# The oldest and the newest ansible-core that meta/runtime.yml's requires_ansible admits,
# each with a controller Python it supports (2.21 needs >= 3.12); the pin runs the rest.
COMPAT=${COMPAT:-"2.17.14:python3.11 2.21.5:python3.13"}
# What moves with ansible-core: plugins, the role render, the action group (app/ needs none).
COMPAT_TESTS="tests/unit --ignore=tests/unit/app tests/meta"
compat_python() {  # compat_python python3.13: a working interpreter of that name
  local p
  # pyenv's shim of a version that is not active only prints an error: try its own copy too.
  for p in "$(command -v "$1")" "$HOME"/.pyenv/versions/"${1#python}".*/bin/"$1"; do
    [ -x "$p" ] && "$p" -c '' 2>/dev/null && { echo "$p"; return 0; }
  done
  echo "compat: no working $1" >&2
  return 1
}
compat_venv() {  # compat_venv CORE PYTHON: print its cached venv, made on first use
  local pins key venv python
  # pytest and the Docker SDK (the action group test's module imports it) at the main pins.
  pins=$(grep -E '^(pytest|docker|requests)==' requirements-dev.txt)
  key=$(printf '%s %s\n%s\n' "$1" "$2" "$pins" | sha256sum | cut -c1-12)
  venv=$HOME/.cache/evaonline-deploy/compat-$1-$key
  if [ ! -f "$venv/.complete" ]; then
    python=$(compat_python "$2") || return 1
    rm -rf "$venv"
    "$python" -m venv "$venv" \
      && "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$1" $pins >&2 \
      && touch "$venv/.complete" || return 1
  fi
  echo "$venv"
}
stage_compat() {
  local spec core py venv t0 rc all=0
  for spec in $COMPAT; do
    core=${spec%%:*} py=${spec#*:} t0=$SECONDS
    printf -- '--- ansible-core %s on %s\n' "$core" "$py"
    # shellcheck disable=SC2086 # COMPAT_TESTS is a word list
    venv=$(compat_venv "$core" "$py") \
      && (export PATH=$venv/bin:$PATH
          # ansible-core alone brings no ansible_collections package for the checkout's link
          # to join, so put the link on the path (the main venv's ansible package has one).
          PYTHONPATH=$PWD/.collections${PYTHONPATH:+:$PYTHONPATH} pytest_stage $COMPAT_TESTS \
            && SANITY_PYTHON=${py#python} tests/sanity.sh)
    rc=$?
    record "compat:$core" $((SECONDS - t0)) $rc
    [ $rc -eq 0 ] || all=1
  done
  return $all
}
stage_contract() { pytest_stage tests/contract; }
stage_integration() { pytest_stage tests/integration; }
# Molecule scenarios run in MOLECULE_LANES parallel lanes (default 2): a test host
# waits on the network, the disk and its inner daemon as much as on a core. Longest
# first onto the least loaded lane, by these rough weights (seconds on 2 cores). Each
# scenario's output goes to a log printed whole when it ends, so lanes never interleave.
weights="drills:1440 swarm:1025 realapp:510 stack:375 default:380 runtime_image:190 base_images:120 docker:90 preflight:50"
# Scenarios whose drills hold releases under load to zero failed requests share one lane,
# one after another: two load phases at once starve the two cores, and postgres misses the
# app's 2 s connect timeout (seen in CI). The other lane runs the rest meanwhile.
serial="drills swarm"
weight() { local w; w=$(tr ' ' '\n' <<<"$weights" | sed -n "s/^$1://p"); echo "${w:-300}"; }

run_scenario() {  # run_scenario NAME LOGDIR: one scenario, its log printed when done
  local t0=$SECONDS rc=0
  molecule test -s "$1" >"$2/$1.log" 2>&1 || rc=1
  echo "$1 $((SECONDS - t0)) $rc" >>"$2/results"
  flock "$2/print.lock" sh -c 'printf "\n=== molecule %s (%s) ===\n" "$1" "$2"; cat "$3"' _ \
    "$1" "$([ $rc -eq 0 ] && echo passed || echo FAILED)" "$2/$1.log"
}

stage_molecule() {
  local lanes=${MOLECULE_LANES:-2} logs s i best rc=0
  logs=$(mktemp -d)
  local -a load list
  for ((i = 0; i < lanes; i++)); do load[i]=0; list[i]=""; done
  # Units: each scenario alone, and the serial ones together as a+b.
  local -a units=()
  local group="" u w
  for s in $SCENARIOS; do
    if [[ " $serial " == *" $s "* ]]; then group+="${group:++}$s"; else units+=("$s"); fi
  done
  [ -z "$group" ] || units+=("$group")
  for u in $(for x in "${units[@]}"; do
    w=0; for s in ${x//+/ }; do w=$((w + $(weight "$s"))); done; echo "$w $x"
  done | sort -rn | cut -d' ' -f2); do
    best=0
    for ((i = 1; i < lanes; i++)); do [ "${load[i]}" -lt "${load[best]}" ] && best=$i; done
    w=0; for s in ${u//+/ }; do w=$((w + $(weight "$s"))); done
    load[best]=$((load[best] + w)); list[best]+="${u//+/ } "
  done
  for ((i = 0; i < lanes; i++)); do
    echo "molecule lane $((i + 1)): ${list[i]}"
    (for s in ${list[i]}; do run_scenario "$s" "$logs"; done) &
  done
  wait
  for s in $SCENARIOS; do
    read -r _ secs res < <(grep "^$s " "$logs/results" || echo "$s 0 1")
    record "molecule:$s" "$secs" "$res"
    [ "$res" -eq 0 ] || note_failures "molecule $s" "$logs/$s.log"
    [ "$res" -eq 0 ] || rc=1
  done
  rm -rf "$logs"
  return $rc
}

names=() times=() results=()
record() { names+=("$1"); times+=("$2"); results+=("$3"); }

run_stage() {
  local name=$1 t0=$SECONDS rc
  printf '\n=== stage %s ===\n' "$name"
  # These record a row per scenario or per version themselves.
  case $name in molecule | compat) "stage_$name"; return $? ;; esac
  "stage_$name"; rc=$?
  record "$name" $((SECONDS - t0)) $rc
  return $rc
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(venv substrate lint sanity unit compat contract integration molecule)
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
if [ -s "$notes" ]; then printf '\nwhat failed:\n'; cat "$notes"; fi
echo "stages: $npass passed, $nfail failed"
[ $nfail -eq 0 ] && [ $failed -eq 0 ]
