#!/usr/bin/env bash
# make demo: a fresh Docker-in-Docker "server" on this machine, site.yml run
# against it with the test inventory, nginx published on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tests/lib.sh
. tests/lib.sh
server=evaonline-demo

case ${1:-up} in
  up)
    port=${2:-8080}
    python tests/substrate/dind_server.py up "$server" --publish "127.0.0.1:$port:80"
    ansible-playbook -i inventories/test playbooks/site.yml
    echo
    echo "EVAonline is up: http://127.0.0.1:$port/  (API health: http://127.0.0.1:$port/api/v1/health)"
    echo "Remove it with: make demo-down"
    ;;
  down)
    python tests/substrate/dind_server.py down "$server"
    ;;
  *) echo "usage: $0 up [PORT] | down" >&2; exit 2 ;;
esac
