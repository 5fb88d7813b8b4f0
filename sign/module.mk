# banger-sign: the catalog publisher's tool (keys, entries, signatures).
# It shares banger-fetch's catalog and key code.
PROGS += sign/banger-sign
SIGN_SRCS := sign/banger-sign.c banger-fetch/catalog.c \
	banger-fetch/catalog-keys.c banger-fetch/bundle-unpack.c \
	banger-fetch/bundle-read.c \
	banger-fetch/status.c banger-fetch/kernel-bundle.c \
	banger-fetch/kernel-file.c banger-fetch/kernel-modcheck.c \
	banger-fetch/kernel-modules.c
SIGN_LIBS := $(shell pkg-config --libs jansson libcrypto libarchive)
$(O)/sign/banger-sign.o: CPPFLAGS += -Ibanger-fetch
$(eval $(call prog_rule,sign/banger-sign,$(SIGN_SRCS),$(SIGN_LIBS)))
