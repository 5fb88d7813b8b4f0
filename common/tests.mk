# Unit tests for common/ (included from common/module.mk).
COMMON_TEST_LIBS := -lcmocka $(shell pkg-config --libs msgpack)

TESTS += common/test-toml common/test-valid common/test-msg common/test-frame
$(eval $(call prog_rule,common/test-toml,common/test-toml.c,-lcmocka))
$(eval $(call prog_rule,common/test-valid,common/test-valid.c,-lcmocka))
$(eval $(call prog_rule,common/test-msg,common/test-msg.c,$(COMMON_TEST_LIBS)))
$(eval $(call prog_rule,common/test-frame,common/test-frame.c,-lcmocka))
TESTS += common/test-config
$(eval $(call prog_rule,common/test-config,common/test-config.c,-lcmocka))
TESTS += common/test-paths
$(eval $(call prog_rule,common/test-paths,common/test-paths.c,-lcmocka))
TESTS += common/test-esc
$(eval $(call prog_rule,common/test-esc,common/test-esc.c,-lcmocka))
TESTS += common/test-log
$(eval $(call prog_rule,common/test-log,common/test-log.c,-lcmocka))
TESTS += common/test-portspec
$(eval $(call prog_rule,common/test-portspec,common/test-portspec.c,-lcmocka))
TESTS += common/test-egress
$(eval $(call prog_rule,common/test-egress,common/test-egress.c,-lcmocka))
TESTS += common/test-cred
$(eval $(call prog_rule,common/test-cred,common/test-cred.c,-lcmocka))
