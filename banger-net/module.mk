# banger-net: DNS and published ports for one user's VMs; its codec
# (dns.c, ldns) and the tests.
NET_LIB_SRCS := banger-net/dns.c banger-net/answer.c common/pubaddr.c
NET_LIBS := $(shell pkg-config --libs ldns)

PROGS += banger-net/banger-net
NET_SRCS := $(filter-out banger-net/test-%.c,$(wildcard banger-net/*.c))
$(eval $(call prog_rule,banger-net/banger-net,$(NET_SRCS),\
	$(NET_LIBS) $(shell pkg-config --libs libevent libseccomp msgpack)))

TESTS += banger-net/test-dns
$(eval $(call prog_rule,banger-net/test-dns,\
	banger-net/test-dns.c $(NET_LIB_SRCS),$(NET_LIBS) -lcmocka))

# banger-net end to end: runs the built program (found next to the test).
TESTS += banger-net/test-net
$(eval $(call prog_rule,banger-net/test-net,banger-net/test-net.c,\
	$(NET_LIBS) $(shell pkg-config --libs msgpack) -lcmocka))
$(O)/banger-net/test-net: $(O)/banger-net/banger-net

# The egress policy's tables, without the event loop.
TESTS += banger-net/test-policy
$(eval $(call prog_rule,banger-net/test-policy,\
	banger-net/test-policy.c banger-net/zone.c banger-net/policy.c,-lcmocka))
