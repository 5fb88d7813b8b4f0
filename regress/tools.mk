# regress/ tools of the suite's own (priv-client lives in module.mk).
# boot-ready: a bare QEMU boot timed to the agent's AG_READY, for bench.sh.

PROGS += regress/boot-ready
$(eval $(call prog_rule,regress/boot-ready,regress/boot-ready.c,\
	$(shell pkg-config --libs msgpack)))
