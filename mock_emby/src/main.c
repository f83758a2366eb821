/* mock-emby: serve a fixture directory as an Emby server until SIGINT or
 * SIGTERM (docs/FIXTURES.md).
 *
 *   mock-emby --fixtures DIR [--listen 127.0.0.1:PORT] [--faults FILE]
 *             [--state-out FILE] [--tls-cert PEM] [--threads N] [--max-body BYTES]
 *
 * Prints the server's URL on stdout (one line) once it listens. The control
 * API's admin token comes from the environment (MOCK_EMBY_ADMIN_TOKEN) or
 * server.json's AdminToken, never from the command line; without either it
 * is random and the control API is closed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_emby/mock_emby.h"

static int usage(FILE *to, int code)
{
	fputs("usage: mock-emby --fixtures DIR [--listen 127.0.0.1:PORT] [--faults FILE]\n"
	      "                 [--state-out FILE] [--tls-cert PEM] [--threads N]\n"
	      "                 [--max-body BYTES]\n"
	      "Serves DIR (server.json, items.json, userdata/, …; see docs/FIXTURES.md) as an\n"
	      "Emby server on 127.0.0.1 (port 0 = any free port), prints its URL, and runs\n"
	      "until SIGINT/SIGTERM. --state-out writes the final user data on exit.\n"
	      "Environment: MOCK_EMBY_ADMIN_TOKEN = token of the /__mock/ control API.\n",
	      to);
	return code;
}

static int number(const char *s, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (!end || *end || v > max)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

int main(int argc, char **argv)
{
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	const char *state_out = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long v = 0;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(stdout, 0);
		if (i + 1 >= argc) {
			fprintf(stderr, "mock-emby: %s needs a value\n", a);
			return usage(stderr, 2);
		}
		const char *val = argv[++i];
		if (strcmp(a, "--fixtures") == 0) {
			o.fixtures_dir = val;
		} else if (strcmp(a, "--listen") == 0) {
			o.listen = val;
		} else if (strcmp(a, "--faults") == 0) {
			o.faults_file = val;
		} else if (strcmp(a, "--state-out") == 0) {
			state_out = val;
		} else if (strcmp(a, "--tls-cert") == 0) {
			o.tls_cert = val;
		} else if (strcmp(a, "--threads") == 0 && number(val, 64, &v) == 0 && v > 0) {
			o.threads = (int)v;
		} else if (strcmp(a, "--max-body") == 0 && number(val, 1UL << 30, &v) == 0 &&
			   v > 0) {
			o.max_body = v;
		} else {
			fprintf(stderr, "mock-emby: bad option or value: %s %s\n", a, val);
			return usage(stderr, 2);
		}
	}
	if (!o.fixtures_dir) {
		fprintf(stderr, "mock-emby: --fixtures DIR is required\n");
		return usage(stderr, 2);
	}
	const char *admin = getenv("MOCK_EMBY_ADMIN_TOKEN");
	if (admin && *admin)
		o.admin_token = admin;

	/* Block the stop signals in every thread (civetweb's inherit the
	 * mask) and wait for them here. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &stop, NULL) != 0) {
		fprintf(stderr, "mock-emby: cannot block signals\n");
		return 1;
	}
	mock_emby *m = NULL;
	char err[1024];
	if (mock_emby_start(&m, &o, err, sizeof err) != 0) {
		fprintf(stderr, "mock-emby: %s\n", err);
		return 1;
	}
	printf("%s\n", mock_emby_url(m));
	fflush(stdout);
	fprintf(stderr, "mock-emby: serving %s at %s (Ctrl-C to stop)\n", o.fixtures_dir,
		mock_emby_url(m));
	int sig = 0;
	while (sigwait(&stop, &sig) != 0) {
	}
	fprintf(stderr, "mock-emby: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	int rc = 0;
	if (state_out && mock_emby_save_state(m, state_out) != 0) {
		fprintf(stderr, "mock-emby: cannot write %s\n", state_out);
		rc = 1;
	}
	mock_emby_stop(m);
	return rc;
}
