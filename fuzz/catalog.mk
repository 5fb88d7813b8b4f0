# banger-fetch's image catalog parsers: catalog.json and a bundle's
# manifest.json (catalog), key files and signature files (catalog-keys),
# and a whole bundle's members (catalog-bundle).
FUZZ_CATALOG := catalog catalog-keys catalog-bundle
FUZZERS += $(FUZZ_CATALOG)
# A whole bundle unpacked per run: about 1,300 runs a second under the
# sanitizers, so `make fuzz` runs 30,000 (`make fuzz-long` the full count).
FUZZ_RUNS_catalog-bundle := 30000
FUZZ_SRCS_catalog := banger-fetch/catalog.c banger-fetch/bundle-unpack.c \
	banger-fetch/bundle-read.c \
	banger-fetch/status.c common/rwall.c common/valid.c
FUZZ_LIBS_catalog := $(shell pkg-config --libs jansson libarchive)
# Its input file and output directory: the kernel-bundle target's harness.
FUZZ_SRCS_catalog-bundle := $(FUZZ_SRCS_catalog) fuzz/kernel-bundle/harness.c
FUZZ_LIBS_catalog-bundle := $(FUZZ_LIBS_catalog)
FUZZ_SRCS_catalog-keys := banger-fetch/catalog-keys.c
FUZZ_LIBS_catalog-keys := $(shell pkg-config --libs libcrypto)
$(foreach f,$(FUZZ_CATALOG),$(eval FUZZ_CFLAGS_$(f) := -Ibanger-fetch))
$(foreach f,$(FUZZ_CATALOG),$(eval FUZZ_DEPS_$(f) := banger-fetch/catalog.h))
FUZZ_CFLAGS_catalog-bundle += -Ifuzz/kernel-bundle
FUZZ_DEPS_catalog-bundle += fuzz/kernel-bundle/harness.h
$(foreach f,$(FUZZ_CATALOG),$(eval $(call fuzz_rule,$(f))))
