# banger-net: the DNS codec (dns.c) and its unit test.  The program rule
# joins these when banger-net/main.c lands.
NET_LIB_SRCS := banger-net/dns.c
NET_LIBS := $(shell pkg-config --libs ldns)

PROGS += banger-net/banger-net
NET_SRCS := $(filter-out banger-net/test-%.c,$(wildcard banger-net/*.c))
$(eval $(call prog_rule,banger-net/banger-net,$(NET_SRCS),\
	$(NET_LIBS) $(shell pkg-config --libs libevent libseccomp msgpack)))
