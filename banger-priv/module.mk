# banger-priv: the setuid root helper.  Two builds of the same sources:
# banger-priv (installed) and banger-priv-regress, whose policy and leases
# live under /run/banger-regress (BANGER_PRIV_REGRESS, see priv-paths.h).
# The regress build has its own object directory and is never installed.
#
# Explicit rules rather than prog_rule: module.mk files are read before
# GNUmakefile defines prog_rule, objs and COMMON_LIB.

PRIV_SRCS := $(filter-out banger-priv/test-%.c,$(wildcard banger-priv/*.c))
PRIV_OBJS := $(patsubst %.c,$(O)/%.o,$(PRIV_SRCS))
PRIV_CFLAGS := $(shell pkg-config --cflags libnl-route-3.0 libnftables)
PRIV_LIBS := $(shell pkg-config --libs libnl-route-3.0 libnftables \
	libcap-ng libseccomp msgpack libsystemd)
PRIV_COMMON := $(O)/libbanger-common.a

PROGS += banger-priv/banger-priv banger-priv/banger-priv-regress
TESTS += banger-priv/test-validate banger-priv/test-disk banger-priv/test-log \
	banger-priv/test-wire

$(PRIV_OBJS) $(O)/banger-priv/test-validate.o $(O)/banger-priv/test-disk.o \
	$(O)/banger-priv/test-log.o $(O)/banger-priv/test-wire.o: \
	CPPFLAGS += $(PRIV_CFLAGS)
# The link map names every object the linker took, archive members
# included: `make priv-lines` counts their sources from it.
$(O)/banger-priv/banger-priv: $(PRIV_OBJS) $(PRIV_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -Wl,-Map,$@.map -o $@ $(PRIV_OBJS) \
		$(PRIV_COMMON) $(PRIV_LIBS)

# Lines of project C code linked into banger-priv: each object of the link
# (from the map: banger-priv's own, and each archive member the linker
# pulled in, found as the object file identical to it), mapped to its
# source through its dependency file.
priv-lines: $(O)/banger-priv/banger-priv
	@sed -n -e 's|^LOAD \($(O)/[^ ]*\.o\)$$|\1|p' \
	    -e 's|^\($(O)/[^ (]*\)\.a(\([^)]*\.o\))$$|\1.a \2|p' \
	    $<.map | sort -u | while read -r o m; do \
		if [ -n "$$m" ]; then \
			o=$$(for c in $(O)/*/$$m; do ar p $$o $$m | \
			    cmp -s - $$c && echo $$c; done | head -n 1); \
		fi; \
		sed -n '1s|^[^:]*: *\([^ ]*\.c\).*|\1|p' $${o%.o}.d; \
	done | sort -u | xargs wc -l | sort -n
.PHONY: priv-lines

PRIV_REGRESS_OBJS := $(patsubst banger-priv/%.c,$(O)/banger-priv-regress/%.o,\
	$(PRIV_SRCS))
$(O)/banger-priv-regress/%.o: banger-priv/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -DBANGER_PRIV_REGRESS $(PRIV_CFLAGS) $(CPPFLAGS) \
		$(CFLAGS_ALL) -MMD -MP -c -o $@ $<
$(O)/banger-priv/banger-priv-regress: $(PRIV_REGRESS_OBJS) $(PRIV_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(PRIV_REGRESS_OBJS) \
		$(PRIV_COMMON) $(PRIV_LIBS)

PRIV_TEST_OBJS := $(patsubst %.c,$(O)/%.o,banger-priv/test-validate.c \
	banger-priv/validate.c banger-priv/policy.c banger-priv/lease.c \
	banger-priv/addr.c banger-priv/nft.c)
$(O)/banger-priv/test-validate: $(PRIV_TEST_OBJS) $(PRIV_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(PRIV_TEST_OBJS) \
		$(PRIV_COMMON) -lcmocka $(shell pkg-config --libs libnftables)

PRIV_DISK_TEST_OBJS := $(patsubst %.c,$(O)/%.o,banger-priv/test-disk.c \
	banger-priv/validate.c banger-priv/policy.c banger-priv/lease.c \
	banger-priv/addr.c banger-priv/dm.c banger-priv/serve-disk.c \
	banger-priv/leasefile.c banger-priv/loop.c banger-priv/log.c \
	banger-priv/wire.c)
$(O)/banger-priv/test-disk: $(PRIV_DISK_TEST_OBJS) $(PRIV_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(PRIV_DISK_TEST_OBJS) \
		$(PRIV_COMMON) -lcmocka $(shell pkg-config --libs msgpack)

PRIV_LOG_TEST_OBJS := $(patsubst %.c,$(O)/%.o,banger-priv/test-log.c \
	banger-priv/log.c)
$(O)/banger-priv/test-log: $(PRIV_LOG_TEST_OBJS) $(PRIV_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(PRIV_LOG_TEST_OBJS) \
		$(PRIV_COMMON) -lcmocka

# wire.c against common/msg.c, the codec bangerd uses.
PRIV_WIRE_TEST_OBJS := $(patsubst %.c,$(O)/%.o,banger-priv/test-wire.c \
	banger-priv/wire.c)
$(O)/banger-priv/test-wire: $(PRIV_WIRE_TEST_OBJS) $(PRIV_COMMON)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(PRIV_WIRE_TEST_OBJS) \
		$(PRIV_COMMON) -lcmocka $(shell pkg-config --libs msgpack)
