/* The rebinding filter's address test (see pubaddr.h). */
#include "pubaddr.h"

static const struct {
	uint32_t	 net;
	unsigned	 prefix;
} refused[] = {
	{ 0x00000000, 8 },	/* 0.0.0.0/8 */
	{ 0x0a000000, 8 },	/* 10.0.0.0/8 */
	{ 0x64400000, 10 },	/* 100.64.0.0/10 */
	{ 0x7f000000, 8 },	/* 127.0.0.0/8 */
	{ 0xa9fe0000, 16 },	/* 169.254.0.0/16 */
	{ 0xac100000, 12 },	/* 172.16.0.0/12 */
	{ 0xc0000000, 24 },	/* 192.0.0.0/24 */
	{ 0xc0a80000, 16 },	/* 192.168.0.0/16 */
	{ 0xe0000000, 3 },	/* 224.0.0.0/4, 240.0.0.0/4 */
};

int
pubaddr_ok4(uint32_t a)
{
	unsigned	 i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if ((a >> (32 - refused[i].prefix)) ==
		    (refused[i].net >> (32 - refused[i].prefix)))
			return 0;
	return 1;
}
