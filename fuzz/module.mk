# libFuzzer targets, one directory per parser of untrusted bytes (see the
# "fuzz" target in GNUmakefile).
FUZZ_HERE := toml msg frame config launch workspace egress
FUZZERS += $(FUZZ_HERE)

FUZZ_SRCS_toml := common/toml.c
FUZZ_SRCS_msg := common/msg.c common/buf.c common/frame.c \
	common/proto_ctl.c common/proto_priv.c common/proto_agent.c \
	common/proto_launch.c common/proto_net.c
FUZZ_LIBS_msg := $(shell pkg-config --libs msgpack)
FUZZ_SRCS_frame := common/frame.c common/buf.c
FUZZ_SRCS_config := common/config.c common/toml.c common/valid.c common/webaddr.c \
	common/cred.c \
	common/rwall.c common/egress.c
# Egress domain patterns and the rebinding address test.
FUZZ_SRCS_egress := common/egress.c common/pubaddr.c
# banger-priv's priv.conf reader (its headers live beside it).
FUZZERS += privconf
FUZZ_SRCS_privconf := banger-priv/policy.c banger-priv/addr.c
$(O)/fuzz/privconf: fuzz/privconf/fuzz.c $(FUZZ_SRCS_privconf) \
	$(wildcard banger-priv/*.h)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Ibanger-priv -o $@ $< $(FUZZ_SRCS_privconf)
# banger-priv's own request decoder, checked against common/msg.c.
FUZZERS += priv-wire
FUZZ_SRCS_priv-wire := banger-priv/wire.c common/msg.c common/buf.c \
	common/frame.c common/proto_priv.c
FUZZ_LIBS_priv-wire := $(shell pkg-config --libs msgpack)
$(O)/fuzz/priv-wire: fuzz/priv-wire/fuzz.c $(FUZZ_SRCS_priv-wire) \
	$(wildcard banger-priv/*.h common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Ibanger-priv -o $@ $< $(FUZZ_SRCS_priv-wire) \
		$(FUZZ_LIBS_priv-wire)
# The launcher's request handling (bangerd/launch.c, included by the
# target with fork, kill, waitpid and execve stubbed).
FUZZ_SRCS_launch := common/msg.c common/buf.c common/frame.c \
	common/proto_launch.c common/fdutil.c common/log.c common/esc.c \
	bangerd/helper-log.c bangerd/fc-sock.c bangerd/vmm-pid.c \
	common/portspec.c
FUZZ_CFLAGS_launch := -Ibangerd
FUZZ_DEPS_launch := bangerd/launch.c $(wildcard bangerd/*.h)
FUZZ_LIBS_launch := $(shell pkg-config --libs msgpack libevent)
# About 1,500 runs a second under the sanitizers on CI's machine (198 s
# for 300,000 in one run): about a minute (fuzz-long still 10^7).
FUZZ_RUNS_launch := 100000
# The workspace file-list rules bangerd and banger-fetch apply.
FUZZ_SRCS_workspace := common/valid.c

# Explicit rules take precedence over GNUmakefile's pattern rule and name
# every source a fuzzer links, so editing one rebuilds it.
define fuzz_rule
$(O)/fuzz/$(1): fuzz/$(1)/fuzz.c $(FUZZ_SRCS_$(1)) $(FUZZ_DEPS_$(1)) \
    $(wildcard common/*.h)
	@mkdir -p $$(dir $$@)
	$$(FUZZCC) $$(FUZZFLAGS) $(FUZZ_CFLAGS_$(1)) -o $$@ $$< \
		$(FUZZ_SRCS_$(1)) $(FUZZ_LIBS_$(1))
endef
$(foreach f,$(FUZZ_HERE),$(eval $(call fuzz_rule,$(f))))

# esc: guest text escaped for logs and terminals (common/esc.c).
FUZZERS += esc
FUZZ_SRCS_esc := common/esc.c
$(eval $(call fuzz_rule,esc))

# bangerd's side of the agent channel: it links bangerd's code (not main.c)
# and the libraries that code needs.
FUZZERS += agent-chan
FUZZ_SRCS_agent-chan := $(BANGERD_LIB_SRCS) $(COMMON_SRCS)
FUZZ_LIBS_agent-chan := $(BANGERD_LIBS)
FUZZ_CFLAGS_agent-chan := -Iprivproto
$(eval $(call fuzz_rule,agent-chan))

# banger-net's DNS codec: guests' queries and upstreams' answers.
FUZZERS += net-dns
FUZZ_SRCS_net-dns := $(NET_LIB_SRCS) common/valid.c
FUZZ_LIBS_net-dns := $(NET_LIBS)
FUZZ_CFLAGS_net-dns := -Ibanger-net
FUZZ_DEPS_net-dns := $(wildcard banger-net/*.h)
$(eval $(call fuzz_rule,net-dns))
# mmdebstrap's output in banger-fetch's golden image build.
FUZZERS += mm-progress
FUZZ_SRCS_mm-progress := banger-fetch/mmprogress.c
$(O)/fuzz/mm-progress: fuzz/mm-progress/fuzz.c $(FUZZ_SRCS_mm-progress) \
	banger-fetch/image.h
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -Ibanger-fetch -o $@ $< $(FUZZ_SRCS_mm-progress)

# Published port specs: the CLI's, bangerd's (clients and database) and
# the launcher's unix: PATH check.
FUZZERS += portspec
FUZZ_SRCS_portspec := common/portspec.c
$(eval $(call fuzz_rule,portspec))

# web-check: banger-web's Host, Origin, token and form-type checks,
# web_listen_addr, and the HTML escaping of the page.
FUZZERS += web-check
FUZZ_SRCS_web-check := banger-web/check.c banger-web/html.c common/webaddr.c
FUZZ_CFLAGS_web-check := -Ibanger-web
FUZZ_LIBS_web-check := $(shell pkg-config --libs libevent)
FUZZ_DEPS_web-check := banger-web/web.h
$(eval $(call fuzz_rule,web-check))

# vm cp's extractor: a guest's tar stream (banger/tarx.c).
FUZZERS += tarx
FUZZ_SRCS_tarx := banger/tarx.c common/esc.c common/fdutil.c common/rwall.c
FUZZ_CFLAGS_tarx := -Ibanger
FUZZ_DEPS_tarx := banger/tarx.h
FUZZ_LIBS_tarx := $(shell pkg-config --libs libarchive)
$(eval $(call fuzz_rule,tarx))
