# Firecracker driver: unit tests and the HTTP response fuzzer.  The driver
# itself is built into bangerd by bangerd/module.mk (every non-test .c).
#
# test-firecracker checks the driver's requests against Firecracker's API
# spec named by FC_SPEC (a path from the top of the tree, where `make unit`
# runs the tests), e.g.
#   make check FC_SPEC=../shared/firecracker/firecracker-api-v1.16.1.yaml
# With no FC_SPEC the tests that need the spec are skipped and say so (a
# fresh clone has none); a FC_SPEC that cannot be loaded fails them.
# .ci/run passes it.
FC_SPEC ?=
export FC_SPEC
FC_YAML_LIBS := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)

TESTS += bangerd/test-firecracker bangerd/test-fc-http
# The driver needs only the common library, jansson and libc.
$(eval $(call prog_rule,bangerd/test-firecracker,bangerd/test-firecracker.c \
	bangerd/test-fc-spec.c bangerd/firecracker.c bangerd/fc-api.c \
	bangerd/fc-snapshot.c \
	bangerd/fc-sock.c \
	bangerd/fc-http.c, \
	$(shell pkg-config --libs jansson) $(FC_YAML_LIBS) -lcmocka -lpthread))
# The launcher's connections to a VM's sockets (fc-sock.c, launch.c): it
# runs the real launcher, so it links bangerd's code (not main.c).
TESTS += bangerd/test-fc-connect
$(eval $(call prog_rule,bangerd/test-fc-connect,bangerd/test-fc-connect.c \
	$(BANGERD_LIB_SRCS),$(BANGERD_LIBS) -lcmocka))
$(eval $(call prog_rule,bangerd/test-fc-http,bangerd/test-fc-http.c \
	bangerd/fc-http.c,-lcmocka))

FUZZERS += fc-http
FUZZ_SRCS_fc-http := bangerd/fc-http.c common/buf.c
$(eval $(call fuzz_rule,fc-http))

# The guest agent's vsock listener (agent/vsock.c), used under Firecracker.
TESTS += agent/test-vsock
$(eval $(call prog_rule,agent/test-vsock,agent/test-vsock.c agent/vsock.c,-lcmocka))
