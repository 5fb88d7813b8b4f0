COMMON_SRCS := $(filter-out common/test-%.c,$(wildcard common/*.c))
include common/tests.mk
