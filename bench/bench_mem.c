/* bench_mem.h: memory figures of the soak benchmarks. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_mem.h"

long bench_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6)) {
			char *end = NULL;
			long v = strtol(line + 6, &end, 10);
			if (end != line + 6)
				kib = v;
		}
	if (f)
		fclose(f);
	return kib;
}

long bench_heap_kib(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (long)(mi.uordblks / 1024);
}
