PROGS += bangerd/bangerd
BANGERD_SRCS := $(filter-out bangerd/test-%.c,$(wildcard bangerd/*.c))
BANGERD_LIBS := $(shell pkg-config --libs libevent sqlite3 libseccomp \
	jansson msgpack)
$(eval $(call prog_rule,bangerd/bangerd,$(BANGERD_SRCS),$(BANGERD_LIBS)))
