# banger-agent runs as PID 1 in a busybox initramfs with no libc, so it is
# linked statically (ASan cannot link statically; SAN=1 builds are for the
# unit tests).
AGENT_SRCS := $(filter-out agent/test-%.c,$(wildcard agent/*.c))
AGENT_MSGPACK_A ?= /usr/lib/x86_64-linux-gnu/libmsgpackc.a
ifeq ($(SAN),1)
AGENT_LIBS = -lmsgpackc
else
AGENT_LIBS = -static $(AGENT_MSGPACK_A)
endif

PROGS += agent/banger-agent
$(eval $(call prog_rule,agent/banger-agent,$(AGENT_SRCS),$(AGENT_LIBS)))

TESTS += agent/test-port agent/test-status agent/test-user agent/test-sv \
	agent/test-seed agent/test-own
$(eval $(call prog_rule,agent/test-port,agent/test-port.c agent/port.c,-lcmocka))
$(eval $(call prog_rule,agent/test-status,agent/test-status.c agent/status.c,-lcmocka))
$(eval $(call prog_rule,agent/test-user,agent/test-user.c agent/user.c,-lcmocka))
$(eval $(call prog_rule,agent/test-seed,agent/test-seed.c agent/seed.c,-lcmocka))
$(eval $(call prog_rule,agent/test-own,agent/test-own.c agent/own.c agent/seed.c,-lcmocka))
# Sessions (sv.h): names, bounded logs, the status file, list's JSON.
$(eval $(call prog_rule,agent/test-sv,agent/test-sv.c agent/sv-name.c \
	agent/sv-log.c agent/sv-status.c agent/sv-json.c agent/sv-frame.c,-lcmocka))

# agent-probe: boots the image and drives the agent (not installed; run by
# hand or by regress/).
$(eval $(call prog_rule,agent/agent-probe,agent/check/probe.c,-lmsgpackc))
