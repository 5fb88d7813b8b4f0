# bangerd: unit test for the ssh_config renderer (sshconf.c needs only
# the common library).
TESTS += bangerd/test-sshconf
$(eval $(call prog_rule,bangerd/test-sshconf,bangerd/test-sshconf.c \
	bangerd/sshconf.c,-lcmocka))
