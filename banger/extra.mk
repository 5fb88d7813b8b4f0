# banger: unit tests for shell completion and `ssh-config`, linked like
# module.mk's tests (the test object plus every CLI object but main.o).
BANGER_EXTRA_TESTS := banger/test-completion banger/test-sshcfg \
	banger/test-progress banger/test-tarx
TESTS += $(BANGER_EXTRA_TESTS)
$(addprefix $(O)/,$(BANGER_EXTRA_TESTS)): $(O)/%: $(O)/%.o \
    $(BANGER_LIB_OBJS) $(O)/libbanger-common.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $< $(BANGER_LIB_OBJS) \
	    $(O)/libbanger-common.a $(BANGER_LIBS) -lcmocka

$(patsubst %,$(O)/%.o,$(BANGER_EXTRA_TESTS)): CPPFLAGS += -Iprivproto
