# banger-net: the DNS codec (dns.c) and its unit test.  The program rule
# joins these when banger-net/main.c lands.
NET_LIB_SRCS := banger-net/dns.c
NET_LIBS := $(shell pkg-config --libs ldns)

TESTS += banger-net/test-dns
$(eval $(call prog_rule,banger-net/test-dns,\
	banger-net/test-dns.c $(NET_LIB_SRCS),$(NET_LIBS) -lcmocka))
