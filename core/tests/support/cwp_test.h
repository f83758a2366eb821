/* Shared test support for every cmocka suite of the project.
 *
 * CWP_TEST_MAIN(tests) defines main(): with an argument, only the case of that
 * name runs (CTest registers one entry per case, see cmake/CwpTesting.cmake);
 * without one, the whole group runs. */
#ifndef CWP_TEST_H
#define CWP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define CWP_TEST_MAIN(tests)                                      \
	int main(int argc, char **argv)                           \
	{                                                         \
		if (argc > 1)                                     \
			cmocka_set_test_filter(argv[1]);          \
		return cmocka_run_group_tests(tests, NULL, NULL); \
	}

/* Decimal messages for integer comparisons (cmocka prints hex). */
#define assert_int_equal_dec(a, b)                                                           \
	do {                                                                                 \
		long long cwp_a_ = (long long)(a), cwp_b_ = (long long)(b);                  \
		if (cwp_a_ != cwp_b_)                                                        \
			fail_msg("%s == %lld, expected %s == %lld", #a, cwp_a_, #b, cwp_b_); \
	} while (0)

#endif
