PROGS += banger-fetch/banger-fetch
FETCH_SRCS := $(filter-out banger-fetch/test-%.c,$(wildcard banger-fetch/*.c))
FETCH_LIB_SRCS := $(filter-out banger-fetch/main.c,$(FETCH_SRCS))
FETCH_LIBS := $(shell pkg-config --libs ext2fs com_err libcurl libarchive \
	jansson libcrypto)
$(eval $(call prog_rule,banger-fetch/banger-fetch,$(FETCH_SRCS),$(FETCH_LIBS)))

TESTS += banger-fetch/test-workspace banger-fetch/test-image \
	banger-fetch/test-layer
$(eval $(call prog_rule,banger-fetch/test-workspace,\
	banger-fetch/test-workspace.c $(FETCH_LIB_SRCS),$(FETCH_LIBS) -lcmocka))
$(eval $(call prog_rule,banger-fetch/test-image,\
	banger-fetch/test-image.c $(FETCH_LIB_SRCS),$(FETCH_LIBS) -lcmocka))
TESTS += banger-fetch/test-oci
$(eval $(call prog_rule,banger-fetch/test-oci,\
	banger-fetch/test-oci.c $(FETCH_LIB_SRCS),$(FETCH_LIBS) -lcmocka))
$(eval $(call prog_rule,banger-fetch/test-layer,\
	banger-fetch/test-layer.c $(FETCH_LIB_SRCS),$(FETCH_LIBS) -lcmocka))
TESTS += banger-fetch/test-catalog
$(eval $(call prog_rule,banger-fetch/test-catalog,\
	banger-fetch/test-catalog.c $(FETCH_LIB_SRCS),$(FETCH_LIBS) -lcmocka))
TESTS += banger-fetch/test-kernel-file
$(eval $(call prog_rule,banger-fetch/test-kernel-file,\
	banger-fetch/test-kernel-file.c banger-fetch/kernel-file.c,\
	$(shell pkg-config --libs libarchive) -lcmocka))
TESTS += banger-fetch/test-kernel-modules
$(eval $(call prog_rule,banger-fetch/test-kernel-modules,\
	banger-fetch/test-kernel-modules.c $(FETCH_LIB_SRCS),$(FETCH_LIBS) -lcmocka))
TESTS += banger-fetch/test-kernel-bundle
$(eval $(call prog_rule,banger-fetch/test-kernel-bundle,\
	banger-fetch/test-kernel-bundle.c $(FETCH_LIB_SRCS),$(FETCH_LIBS) -lcmocka))
TESTS += banger-fetch/test-kernel-modcheck
$(eval $(call prog_rule,banger-fetch/test-kernel-modcheck,\
	banger-fetch/test-kernel-modcheck.c banger-fetch/kernel-modcheck.c \
	banger-fetch/kernel-modules.c,$(shell pkg-config --libs libarchive) \
	-lcmocka))
TESTS += banger-fetch/test-cache-sweep
$(eval $(call prog_rule,banger-fetch/test-cache-sweep,\
	banger-fetch/test-cache-sweep.c banger-fetch/cache-sweep.c,-lcmocka))
TESTS += banger-fetch/test-catalog-scope
$(eval $(call prog_rule,banger-fetch/test-catalog-scope,\
	banger-fetch/test-catalog-scope.c banger-fetch/catalog-keys.c,\
	$(shell pkg-config --libs libcrypto) -lcmocka))
