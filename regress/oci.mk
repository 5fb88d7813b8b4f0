# oci-get: banger-fetch's registry client on its own, for oci-client.sh.
PROGS += regress/oci-get
$(O)/regress/oci-get.o: CPPFLAGS += -Ibanger-fetch
$(eval $(call prog_rule,regress/oci-get,regress/oci-get.c \
	$(wildcard banger-fetch/oci-*.c) banger-fetch/status.c,\
	$(shell pkg-config --libs libcurl jansson libcrypto)))
