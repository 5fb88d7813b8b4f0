# banger-fetch's kernel file reader (kernel-file.c): bzImages and ELF
# kernels as `banger kernel import` takes them.  Its seeds are written by
# `obj/banger-fetch/test-kernel-file --corpus fuzz/kernel-file/corpus`.
FUZZERS += kernel-file
FUZZ_SRCS_kernel-file := banger-fetch/kernel-file.c
FUZZ_LIBS_kernel-file := $(shell pkg-config --libs libarchive)
FUZZ_CFLAGS_kernel-file := -Ibanger-fetch
FUZZ_DEPS_kernel-file := banger-fetch/kernel.h
# About 3,000 runs a second under the sanitizers on CI's machine (166 s
# for 500,000 in one run): about a minute.
FUZZ_RUNS_kernel-file := 150000
$(eval $(call fuzz_rule,kernel-file))
