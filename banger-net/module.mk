# banger-net: the DNS codec (dns.c) and its unit test.  The program rule
# joins these when banger-net/main.c lands.
NET_LIB_SRCS := banger-net/dns.c
NET_LIBS := $(shell pkg-config --libs ldns)

PROGS += banger-net/banger-net
NET_SRCS := $(filter-out banger-net/test-%.c,$(wildcard banger-net/*.c))
$(eval $(call prog_rule,banger-net/banger-net,$(NET_SRCS),\
	$(NET_LIBS) $(shell pkg-config --libs libevent libseccomp msgpack)))

# banger-net end to end: runs the built program (found next to the test).
TESTS += banger-net/test-net
$(eval $(call prog_rule,banger-net/test-net,banger-net/test-net.c,\
	$(NET_LIBS) $(shell pkg-config --libs msgpack) -lcmocka))
$(O)/banger-net/test-net: $(O)/banger-net/banger-net
