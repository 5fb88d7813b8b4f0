# Kernel bundles from a catalog (`banger kernel pull`): a whole bundle
# unpacked by banger-fetch/kernel-bundle.c (kernel-bundle), and the
# modules.cpio it carries checked by kernel-modcheck.c (kernel-modcheck).
# Their seeds are written by `obj/banger-fetch/test-kernel-bundle
# --corpus fuzz/kernel-bundle/corpus fuzz/kernel-modcheck/corpus`.
FUZZ_KBUNDLE := kernel-bundle kernel-modcheck
FUZZERS += $(FUZZ_KBUNDLE)
FUZZ_SRCS_kernel-bundle := banger-fetch/kernel-bundle.c \
	banger-fetch/bundle-read.c banger-fetch/status.c common/rwall.c \
	common/valid.c fuzz/kernel-bundle/harness.c
FUZZ_LIBS_kernel-bundle := $(shell pkg-config --libs jansson libarchive \
	libcrypto)
FUZZ_SRCS_kernel-modcheck := banger-fetch/kernel-modcheck.c \
	banger-fetch/kernel-modules.c
FUZZ_LIBS_kernel-modcheck := $(shell pkg-config --libs libarchive)
# Under the sanitizers on CI's machine a bundle unpacks about 430 times a
# second once the corpus grows (464 s for 200,000 in one run) and an
# archive is checked about 28,000 times: two minutes and one minute.
FUZZ_RUNS_kernel-bundle := 50000
FUZZ_RUNS_kernel-modcheck := 2000000
$(foreach f,$(FUZZ_KBUNDLE),$(eval FUZZ_CFLAGS_$(f) := -Ibanger-fetch))
$(foreach f,$(FUZZ_KBUNDLE),$(eval FUZZ_DEPS_$(f) := banger-fetch/kernel.h \
	banger-fetch/bundle.h))
FUZZ_DEPS_kernel-bundle += fuzz/kernel-bundle/harness.h
$(foreach f,$(FUZZ_KBUNDLE),$(eval $(call fuzz_rule,$(f))))
