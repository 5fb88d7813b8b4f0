# banger-sign: the catalog publisher's tool (keys, entries, signatures).
# It shares banger-fetch's catalog and key code.
PROGS += sign/banger-sign
SIGN_SRCS := sign/banger-sign.c banger-fetch/catalog.c \
	banger-fetch/catalog-keys.c
SIGN_LIBS := $(shell pkg-config --libs jansson libcrypto)
$(O)/sign/banger-sign.o: CPPFLAGS += -Ibanger-fetch
$(eval $(call prog_rule,sign/banger-sign,$(SIGN_SRCS),$(SIGN_LIBS)))
