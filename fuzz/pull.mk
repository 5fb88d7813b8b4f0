# image pull: what bangerd reads of banger-fetch's exec file
# (bangerd/image-exec.c), and the agent's reading of a guest's
# /etc/passwd and /etc/group for an image's User (agent/user.c).
FUZZERS += image-exec agent-user
FUZZ_SRCS_image-exec := bangerd/image-exec.c common/rwall.c \
	common/fdutil.c
FUZZ_CFLAGS_image-exec := -Ibangerd
FUZZ_DEPS_image-exec := bangerd/image-exec.h
$(eval $(call fuzz_rule,image-exec))
FUZZ_SRCS_agent-user := agent/user.c
FUZZ_CFLAGS_agent-user := -Iagent
FUZZ_DEPS_agent-user := agent/agent.h
$(eval $(call fuzz_rule,agent-user))
# kernel import: what bangerd reads of a kernel's info file
# (bangerd/kernel-info.c).
FUZZERS += kernel-info
FUZZ_SRCS_kernel-info := bangerd/kernel-info.c
FUZZ_CFLAGS_kernel-info := -Ibangerd
FUZZ_DEPS_kernel-info := bangerd/kernel-info.h
$(eval $(call fuzz_rule,kernel-info))
# suspend: a saved state's record (bangerd/snap-info.c).
FUZZERS += snap-info
FUZZ_SRCS_snap-info := bangerd/snap-info.c
FUZZ_CFLAGS_snap-info := -Ibangerd
FUZZ_DEPS_snap-info := bangerd/snap-info.h
$(eval $(call fuzz_rule,snap-info))
# vm fork / warm starts: a guest's new host key line
# (bangerd/hostkey-line.c).
FUZZERS += hostkey-line
FUZZ_SRCS_hostkey-line := bangerd/hostkey-line.c
FUZZ_CFLAGS_hostkey-line := -Ibangerd
FUZZ_DEPS_hostkey-line := bangerd/hostkey-line.h
$(eval $(call fuzz_rule,hostkey-line))
# vm pull: the guest's bundle header and git's list of its heads
# (banger/bundle-hdr.c).
FUZZERS += bundle-hdr
FUZZ_SRCS_bundle-hdr := banger/bundle-hdr.c
FUZZ_CFLAGS_bundle-hdr := -Ibanger
FUZZ_DEPS_bundle-hdr := banger/bundle-hdr.h
$(eval $(call fuzz_rule,bundle-hdr))

# vm session list: the guest's session list (banger/sesslist.c).
FUZZERS += sess-list
FUZZ_SRCS_sess-list := banger/sesslist.c
FUZZ_CFLAGS_sess-list := -Ibanger
FUZZ_DEPS_sess-list := banger/sesslist.h
FUZZ_LIBS_sess-list := $(shell pkg-config --libs jansson)
$(eval $(call fuzz_rule,sess-list))
