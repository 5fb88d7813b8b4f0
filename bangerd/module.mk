PROGS += bangerd/bangerd
# banger-priv's client stubs are their own unit (privproto/), linked in.
BANGERD_SRCS := $(filter-out bangerd/test-%.c,$(wildcard bangerd/*.c)) \
	privproto/priv-wrap.c
BANGERD_LIB_SRCS := $(filter-out bangerd/main.c,$(BANGERD_SRCS))
BANGERD_LIBS := $(shell pkg-config --libs libevent sqlite3 libseccomp \
	jansson msgpack libcrypto)
$(eval $(call prog_rule,bangerd/bangerd,$(BANGERD_SRCS),$(BANGERD_LIBS)))

TESTS += bangerd/test-qemu bangerd/test-db bangerd/test-rootdisk \
	bangerd/test-agent
$(eval $(call prog_rule,bangerd/test-qemu,bangerd/test-qemu.c \
	$(BANGERD_LIB_SRCS),$(BANGERD_LIBS) -lcmocka))
$(eval $(call prog_rule,bangerd/test-agent,bangerd/test-agent.c \
	$(BANGERD_LIB_SRCS),$(BANGERD_LIBS) -lcmocka))
$(eval $(call prog_rule,bangerd/test-db,bangerd/test-db.c \
	$(BANGERD_LIB_SRCS),$(BANGERD_LIBS) -lcmocka))
$(eval $(call prog_rule,bangerd/test-rootdisk,bangerd/test-rootdisk.c \
	$(BANGERD_LIB_SRCS),$(BANGERD_LIBS) -lcmocka))
TESTS += bangerd/test-cred
$(eval $(call prog_rule,bangerd/test-cred,bangerd/test-cred.c \
	$(BANGERD_LIB_SRCS),$(BANGERD_LIBS) -lcmocka))

$(O)/bangerd/%.o: CPPFLAGS += -Iprivproto
