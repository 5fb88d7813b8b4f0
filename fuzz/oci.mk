# banger-fetch's OCI parsers: image references, manifests / indexes /
# image configs (registry bytes), and challenges and auth files.
FUZZ_OCI := oci-ref oci-manifest oci-auth
FUZZERS += $(FUZZ_OCI)
FUZZ_SRCS_oci-ref := common/ociref.c
FUZZ_SRCS_oci-manifest := banger-fetch/oci-manifest.c common/ociref.c
FUZZ_LIBS_oci-manifest := $(shell pkg-config --libs jansson)
FUZZ_SRCS_oci-auth := banger-fetch/oci-auth.c common/rwall.c
FUZZ_LIBS_oci-auth := $(shell pkg-config --libs jansson libcrypto)
$(foreach f,$(FUZZ_OCI),$(eval FUZZ_CFLAGS_$(f) := -Ibanger-fetch))
$(foreach f,$(FUZZ_OCI),$(eval FUZZ_DEPS_$(f) := banger-fetch/oci.h))
$(foreach f,$(FUZZ_OCI),$(eval $(call fuzz_rule,$(f))))
