/* banger: the command-line client.  See banger(1). */
#include <stdlib.h>

#include "banger.h"

int
main(int argc, char *argv[])
{
	/* exit(), not return: atexit restores the terminal. */
	exit(cmd_main(argc - 1, argv + 1));
}
