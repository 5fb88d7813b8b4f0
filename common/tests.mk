# Unit tests for common/.  A static pattern rule rather than prog_rule:
# this file is read before GNUmakefile defines prog_rule and COMMON_LIB.
COMMON_TESTS := common/test-toml common/test-valid common/test-msg \
	common/test-frame
TESTS += $(COMMON_TESTS)

$(addprefix $(O)/,$(COMMON_TESTS)): $(O)/%: $(O)/%.o $(O)/libbanger-common.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $< $(O)/libbanger-common.a \
	    -lcmocka $(shell pkg-config --libs msgpack)
