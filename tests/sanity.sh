#!/usr/bin/env bash
# ansible-test sanity on exactly what ships: build the collection tarball,
# install it into a temporary ansible_collections/ tree, and test that tree.
set -euo pipefail
top=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
tmp=$(mktemp -d /var/tmp/evaonline-sanity.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ansible-test fetches a get-pip script from a host we cannot reach; give it ours.
pip_version=$(python3 - <<'PY'
import re
import ansible_test._internal.python_requirements as r
print(re.search(r"pip='([0-9.]+)'", open(r.__file__).read()).group(1))
PY
)
cache=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "$(dirname "$cache")"
cmp -s "$top/tests/sanity/get_pip.py" "$cache" || cp "$top/tests/sanity/get_pip.py" "$cache"

cd "$tmp"   # away from the checkout's ansible.cfg and its in-place collection link
ansible-galaxy collection build "$top" --output-path "$tmp" >/dev/null
ANSIBLE_COLLECTIONS_PATH=$tmp ansible-galaxy collection install --no-deps --force -p "$tmp" \
  "$tmp"/evaonline-deploy-*.tar.gz >/dev/null
cd "$tmp/ansible_collections/evaonline/deploy"
printf 'tests/output/\n' >.gitignore
git init -q && git add -A
# SANITY_PYTHON: the compat stage tests an ansible-core whose controller needs another Python.
ansible-test sanity --color no --python "${SANITY_PYTHON:-3.11}" --venv --requirements "$@"
