/* Mapping daemon replies to banger's exit status (see exitcode.h). */
#include "exitcode.h"
#include "proto.h"

int
bex_from_exit(int64_t status, uint64_t signo)
{
	if (status >= 0 && status <= 255)
		return (int)status;
	/* Signal numbers above 127 cannot be told apart from statuses. */
	if (status == -1 && signo >= 1 && signo <= 127)
		return BEX_SIGBASE + (int)signo;
	return BEX_FAIL;
}

int
bex_from_berr(uint64_t code)
{
	if (code == BERR_BOOT)
		return BEX_BOOT;
	return BEX_FAIL;
}
