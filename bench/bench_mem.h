/* Memory figures the soak benchmarks print (bench/soak.c,
 * bench/service_soak.c): the process's resident set and the allocator's
 * bytes in use. */
#ifndef CWP_BENCH_MEM_H
#define CWP_BENCH_MEM_H

/* VmRSS of this process in KiB, or -1. */
long bench_rss_kib(void);
/* Bytes the allocator has handed out and not got back (all arenas), in
 * KiB: flat when nothing leaks, whatever the RSS does through
 * fragmentation. */
long bench_heap_kib(void);

#endif
