# banger-web: the web view (evhttp), and its unit test.
WEB_LIB_SRCS := banger-web/check.c banger-web/html.c
WEB_LIBS := $(shell pkg-config --libs libevent libseccomp msgpack)

PROGS += banger-web/banger-web
WEB_SRCS := $(filter-out banger-web/test-%.c,$(wildcard banger-web/*.c))
$(eval $(call prog_rule,banger-web/banger-web,$(WEB_SRCS),$(WEB_LIBS)))

TESTS += banger-web/test-web
$(eval $(call prog_rule,banger-web/test-web,\
	banger-web/test-web.c $(WEB_LIB_SRCS),\
	$(shell pkg-config --libs libevent) -lcmocka))
