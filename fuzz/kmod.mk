# banger-fetch's reader of kernel modules' .modinfo (kernel-modules.c),
# for `banger kernel import`.
FUZZERS += kernel-modinfo
FUZZ_SRCS_kernel-modinfo := banger-fetch/kernel-modules.c
FUZZ_LIBS_kernel-modinfo := $(shell pkg-config --libs libarchive)
FUZZ_CFLAGS_kernel-modinfo := -Ibanger-fetch
FUZZ_DEPS_kernel-modinfo := banger-fetch/kernel.h
$(eval $(call fuzz_rule,kernel-modinfo))
