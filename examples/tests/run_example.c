/* The example is built and run against two mock servers: it must sync what
 * `cwprogress sync` syncs (8 positions of the e2e fixtures). */
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cwp_test.h"
#include "e2e_support.h"

extern char **environ;

static void example_syncs_two_mock_servers(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	setenv("EXAMPLE_SRC_TOKEN", E2E_SRC_TOKEN, 1);
	setenv("EXAMPLE_DST_TOKEN", E2E_DST_TOKEN, 1);
	char out[PATH_MAX + 16], src[256], dst[256];
	snprintf(out, sizeof(out), "%s/example.out", e.dir);
	snprintf(src, sizeof(src), "%s", mock_emby_url(e.src));
	snprintf(dst, sizeof(dst), "%s", mock_emby_url(e.dst));
	char *argv[] = {SYNC_EXAMPLE, src, E2E_SRC_USER, dst, E2E_DST_USER, e.journal, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, SYNC_EXAMPLE, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	char *text = e2e_slurp(out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("sync_example exited %d:\n%s", status, text);
	if (!strstr(text, "8 written, 0 failed"))
		fail_msg("unexpected summary:\n%s", text);
	free(text);
	assert_int_equal(e2e_posts(e.dst), 8);
	e2e_stop(&e);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(example_syncs_two_mock_servers),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
