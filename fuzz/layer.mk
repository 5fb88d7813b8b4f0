# OCI image layers (banger-fetch/layer-*.c): arbitrary bytes applied as
# one layer to a small fresh ext4 image.
FUZZERS += oci-layer
# About 600 runs a second under the sanitizers: `make fuzz` runs 20,000
# (half a minute); `make fuzz-long` the full count.
FUZZ_RUNS_oci-layer := 20000
FUZZ_SRCS_oci-layer := $(wildcard banger-fetch/layer-*.c)
FUZZ_LIBS_oci-layer := $(shell pkg-config --libs ext2fs com_err libarchive)
$(O)/fuzz/oci-layer: fuzz/oci-layer/fuzz.c $(FUZZ_SRCS_oci-layer) \
	$(wildcard banger-fetch/layer*.h)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Ibanger-fetch -o $@ $< \
		$(FUZZ_SRCS_oci-layer) $(FUZZ_LIBS_oci-layer)
