# Entry points. Everything runs through tests/run.sh, which keeps the pinned
# toolchain in a cached venv and times each stage.
.PHONY: test venv substrate lint sanity unit compat contract integration molecule docs clean purge demo demo-down playbook bench

test:            ## Set up everything and run the whole suite (what CI runs)
	tests/run.sh

venv substrate lint sanity unit compat contract integration molecule:
	tests/run.sh $@

docs:            ## Write each role's variable table into its README.md from meta/argument_specs.yml
	tests/run.sh venv >/dev/null
	. tests/lib.sh && python tools/role_docs.py

scenario:        ## One Molecule scenario: make scenario S=preflight
	SCENARIOS=$(S) tests/run.sh venv substrate molecule

clean:           ## Remove test containers, networks and volumes; keep the image cache
	tests/substrate/substrate.sh clean

purge:           ## Also remove the local registry and its data
	tests/substrate/substrate.sh purge

DEMO_PORT ?= 8080
demo:            ## Deploy the whole stack into a fresh DinD "server" and print its URL
	tests/run.sh venv substrate
	tests/demo.sh up $(DEMO_PORT)

demo-down:       ## Remove the demo server (and everything in it)
	tests/demo.sh down

P ?= verify
ARGS ?=
playbook:        ## A playbook against the demo server: make playbook P=deploy ARGS='-e evaonline_app_src=...'
	. tests/lib.sh && ansible-playbook -i inventories/test playbooks/$(P).yml $(ARGS)

BENCH_RUNS ?= 3
bench:           ## Seed's way against ours, in fresh DinD servers: bench/results.{json,md} (not a test)
	tests/run.sh venv substrate
	. tests/lib.sh && BENCH_RUNS=$(BENCH_RUNS) python bench/bench.py
