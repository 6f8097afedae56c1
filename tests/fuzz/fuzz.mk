# make fuzz: owned by tests/fuzz
fuzz:
	@echo "fuzz: not written yet"
