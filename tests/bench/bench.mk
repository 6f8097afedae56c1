# make bench: owned by tests/bench (see its README)
bench: heapdiff
	@echo "bench: not written yet"
