# privproto/: banger-priv's caller-side stubs (linked into bangerd, the CLI
# and regress/priv-client) and their test against a stand-in helper.
TESTS += privproto/test-privwrap
$(O)/privproto/%.o: CPPFLAGS += -Iprivproto
$(eval $(call prog_rule,privproto/test-privwrap,privproto/test-privwrap.c \
	privproto/priv-wrap.c,$(shell pkg-config --libs msgpack) -lcmocka))
