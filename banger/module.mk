# banger: the CLI.  Explicit rules rather than prog_rule: module.mk files
# are read before GNUmakefile defines prog_rule, objs and COMMON_LIB.
# The CLI starts banger-priv once, for `banger doctor`'s permission check.
BANGER_ALL_SRCS := $(filter-out banger/test-%.c,$(wildcard banger/*.c)) \
	privproto/priv-wrap.c
BANGER_LIB_SRCS := $(filter-out banger/main.c,$(BANGER_ALL_SRCS))
BANGER_ALL_OBJS := $(patsubst %.c,$(O)/%.o,$(BANGER_ALL_SRCS))
BANGER_LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(BANGER_LIB_SRCS))
BANGER_LIBS := $(shell pkg-config --libs jansson msgpack libsystemd libcrypto \
	libarchive)

PROGS += banger/banger
$(O)/banger/banger: $(BANGER_ALL_OBJS) $(O)/libbanger-common.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(BANGER_ALL_OBJS) \
	    $(O)/libbanger-common.a $(BANGER_LIBS)

BANGER_TESTS := banger/test-cli banger/test-session banger/test-doctor \
	banger/test-port banger/test-egress banger/test-weblisten banger/test-sesslist
BANGER_TESTS += banger/test-cigitlab
TESTS += $(BANGER_TESTS)
$(addprefix $(O)/,$(BANGER_TESTS)): $(O)/%: $(O)/%.o $(BANGER_LIB_OBJS) \
    $(O)/libbanger-common.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $< $(BANGER_LIB_OBJS) \
	    $(O)/libbanger-common.a $(BANGER_LIBS) -lcmocka

$(BANGER_ALL_OBJS) $(patsubst %,$(O)/%.o,$(BANGER_TESTS)): CPPFLAGS += -Iprivproto
