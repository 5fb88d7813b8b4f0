# regress/ tools of the suite's own (priv-client lives in module.mk).
# boot-ready: a bare QEMU boot timed to the agent's AG_READY, for bench.sh.

PROGS += regress/boot-ready
$(eval $(call prog_rule,regress/boot-ready,regress/boot-ready.c,\
	$(shell pkg-config --libs msgpack)))

# sandbox-probe: tries under bangerd's real seccomp filters (sandbox.c,
# linked in) what they claim to refuse, for sandbox.sh.
PROGS += regress/sandbox-probe
$(O)/regress/sandbox-probe.o: CPPFLAGS += -Ibangerd
$(eval $(call prog_rule,regress/sandbox-probe,regress/sandbox-probe.c \
	bangerd/sandbox.c,$(shell pkg-config --libs libseccomp)))

# fetch-probe: tries under banger-fetch's real pull confinement
# (banger-fetch/sandbox.c, linked in) what it claims to refuse, for
# image-pull.sh.
PROGS += regress/fetch-probe
$(O)/regress/fetch-probe.o: CPPFLAGS += -Ibanger-fetch
$(eval $(call prog_rule,regress/fetch-probe,regress/fetch-probe.c \
	banger-fetch/sandbox.c,))
