# Entry points. Everything runs through tests/run.sh, which keeps the pinned
# toolchain in a cached venv and times each stage.
.PHONY: test venv substrate lint sanity unit contract integration molecule clean purge

test:            ## Set up everything and run the whole suite (what CI runs)
	tests/run.sh

venv substrate lint sanity unit contract integration molecule:
	tests/run.sh $@

scenario:        ## One Molecule scenario: make scenario S=preflight
	SCENARIOS=$(S) tests/run.sh venv substrate molecule

clean:           ## Remove test containers, networks and volumes; keep the image cache
	tests/substrate/substrate.sh clean

purge:           ## Also remove the local registry and its data
	tests/substrate/substrate.sh purge
