# OCI image layers (banger-fetch/layer-*.c): arbitrary bytes applied as
# one layer to a small fresh ext4 image.
FUZZERS += oci-layer
FUZZ_SRCS_oci-layer := $(wildcard banger-fetch/layer-*.c)
FUZZ_LIBS_oci-layer := $(shell pkg-config --libs ext2fs com_err libarchive)
$(O)/fuzz/oci-layer: fuzz/oci-layer/fuzz.c $(FUZZ_SRCS_oci-layer) \
	$(wildcard banger-fetch/layer*.h)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Ibanger-fetch -o $@ $< \
		$(FUZZ_SRCS_oci-layer) $(FUZZ_LIBS_oci-layer)
