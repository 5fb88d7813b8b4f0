# bangerd: unit test for the ssh_config renderer (sshconf.c needs only
# the common library).
TESTS += bangerd/test-sshconf
$(eval $(call prog_rule,bangerd/test-sshconf,bangerd/test-sshconf.c \
	bangerd/sshconf.c,-lcmocka))

# bangerd: unit test for the launcher's unix:PATH listener (unixlisten.c
# needs only the common library).
TESTS += bangerd/test-unixlisten
$(eval $(call prog_rule,bangerd/test-unixlisten,bangerd/test-unixlisten.c \
	bangerd/unixlisten.c,-lcmocka))

# bangerd: unit test for a pulled image's exec file (image-exec.c needs
# only the common library).
TESTS += bangerd/test-image-exec
$(eval $(call prog_rule,bangerd/test-image-exec,bangerd/test-image-exec.c \
	bangerd/image-exec.c,-lcmocka))

# bangerd: a kernel's info file (kernel-info.c stands alone).
TESTS += bangerd/test-kernel-info
$(eval $(call prog_rule,bangerd/test-kernel-info,bangerd/test-kernel-info.c \
	bangerd/kernel-info.c,-lcmocka))

# bangerd: a saved state's record (snap-info.c stands alone).
TESTS += bangerd/test-snap-info
$(eval $(call prog_rule,bangerd/test-snap-info,bangerd/test-snap-info.c \
	bangerd/snap-info.c,-lcmocka))

# bangerd: the guest's new host key line (hostkey-line.c stands alone).
TESTS += bangerd/test-hostkey-line
$(eval $(call prog_rule,bangerd/test-hostkey-line,bangerd/test-hostkey-line.c \
	bangerd/hostkey-line.c,-lcmocka))

# bangerd: the search of an initramfs for what its init knows
# (initrd-has.c stands alone).
TESTS += bangerd/test-initrd-has
$(eval $(call prog_rule,bangerd/test-initrd-has,bangerd/test-initrd-has.c \
	bangerd/initrd-has.c,-lcmocka))
