# regress/: test tools built with the programs (never installed).
# priv-client drives banger-priv through bangerd's own stubs (privproto/).

REGRESS_PRIV_OBJS := $(patsubst %.c,$(O)/%.o,regress/priv-client.c \
	privproto/priv-wrap.c)

PROGS += regress/priv-client
$(O)/regress/priv-client.o: CPPFLAGS += -Iprivproto
$(O)/regress/priv-client: $(REGRESS_PRIV_OBJS) $(O)/libbanger-common.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(REGRESS_PRIV_OBJS) \
		$(O)/libbanger-common.a $(shell pkg-config --libs msgpack)
