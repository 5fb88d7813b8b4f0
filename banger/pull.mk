# banger: vm pull's reading of the guest's bundle (bundle-hdr.c stands
# alone).
TESTS += banger/test-bundle-hdr
$(eval $(call prog_rule,banger/test-bundle-hdr,banger/test-bundle-hdr.c \
	banger/bundle-hdr.c,-lcmocka))
