# banger-web: the web view (evhttp), and its unit test.
WEB_LIB_SRCS := banger-web/check.c banger-web/html.c
WEB_LIBS := $(shell pkg-config --libs libevent libseccomp msgpack jansson)

# A VM's sessions are read with the CLI's own strict parser.
PROGS += banger-web/banger-web
WEB_SRCS := $(filter-out banger-web/test-%.c,$(wildcard banger-web/*.c)) \
	banger/sesslist.c
$(O)/banger-web/sessions.o $(O)/banger-web/test-serve.o: CPPFLAGS += -Ibanger
$(eval $(call prog_rule,banger-web/banger-web,$(WEB_SRCS),$(WEB_LIBS)))

TESTS += banger-web/test-web
$(eval $(call prog_rule,banger-web/test-web,\
	banger-web/test-web.c $(WEB_LIB_SRCS),\
	$(shell pkg-config --libs libevent) -lcmocka))

# banger-web end to end: runs the built program (found next to the
# test) with a fake bangerd on its channel.
TESTS += banger-web/test-serve
$(eval $(call prog_rule,banger-web/test-serve,banger-web/test-serve.c,\
	$(shell pkg-config --libs msgpack) -lcmocka))
$(O)/banger-web/test-serve: $(O)/banger-web/banger-web
