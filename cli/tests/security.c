/* Security end to end (issue 8, docs/RELIABILITY.md "Security"): TLS
 * verification (CLI-05) against a mock serving HTTPS with a certificate made
 * at test time, tokens (CLI-04: file permissions, argv, every output), the
 * mock's own defences, and hostile server input (READ-05, UNIT-03: warnings,
 * never a crash, never an explicit zero). Extends cli/tests/e2e_sync.c
 * (sync_insecure_only_by_full_name, sync_token_file_group_readable_refused,
 * tokens_appear_nowhere) rather than repeating it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "e2e_support.h"
#include "sync.h"

#define SYNC(e, ...) \
	e2e_run((e), cwp__cmd_sync, "sync", "--config", (e)->pair, __VA_ARGS__, (char *)NULL)
#define DST E2E_DST_USER
#define SRC E2E_SRC_USER

static void expect_rc(const e2e_env *e, int want)
{
	if (e->rc != want)
		fail_msg("exit %d, expected %d\nstdout:\n%.2000s\nstderr:\n%.2000s", e->rc, want,
			 e->out, e->err);
}

static void assert_no_token(const char *what, const char *text)
{
	if (strstr(text, E2E_SRC_TOKEN) || strstr(text, E2E_DST_TOKEN))
		fail_msg("a token appears in %s", what);
}

static size_t requests(mock_emby *m)
{
	return mock_emby_count(m, NULL, "/*") + mock_emby_count(m, NULL, "/*/*") +
	       mock_emby_count(m, NULL, "/*/*/*") + mock_emby_count(m, NULL, "/*/*/*/*") +
	       mock_emby_count(m, NULL, "/*/*/*/*/*");
}

static size_t writes(mock_emby *m)
{
	return mock_emby_count(m, "POST", NULL) + mock_emby_count(m, "DELETE", NULL);
}

/* ---- test files -------------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[PATH_MAX + 256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *dir, const char *name)
{
	char *t = e2e_slurp(from);
	assert_true(*t);
	write_file(dir, name, t, strlen(t));
	free(t);
}

/* A fixture directory for a mock: e2e-src's files, plus recordings/ with
 * the given answers (replayed before the mock's model). */
static void hostile_fixture(char *dir, size_t dirsz, const e2e_env *e, const char *recordings,
			    size_t len)
{
	snprintf(dir, dirsz, "%s/hostile-src", e->dir);
	char sub[PATH_MAX + 64], from[PATH_MAX];
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/userdata", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/recordings", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	const char *files[] = {"server.json", "items.json", "userdata/" SRC ".json"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s/cli/tests/fixtures/e2e-src/%s", CWP_SOURCE_DIR,
			 files[i]);
		copy_file(from, dir, files[i]);
	}
	write_file(dir, "recordings/hostile.json", recordings, len);
}

/* Replace a mock with one serving dir (a fixture name or a path), over
 * HTTPS with tls_cert when given; rewrite the pair file for its URL. */
static void restart(e2e_env *e, mock_emby **m, const char *dir, const char *tls_cert,
		    const char *progress)
{
	char path[PATH_MAX];
	if (dir[0] == '/')
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/cli/tests/fixtures/%s", CWP_SOURCE_DIR, dir);
	mock_emby_stop(*m);
	*m = NULL;
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = path;
	o.tls_cert = tls_cert;
	o.threads = 8;
	char err[1024];
	if (mock_emby_start(m, &o, err, sizeof(err)) != 0)
		fail_msg("mock on %s: %s", path, err);
	e2e_write_pair(e, progress, NULL, NULL);
}

static void restart_source(e2e_env *e, const char *dir)
{
	restart(e, &e->src, dir, NULL, "{\"remove\": true}");
}

/* ---- TLS (CLI-05) -------------------------------------------------------------- */

/* A fresh self-signed certificate for 127.0.0.1 (or another name), made
 * now with openssl: key + certificate in server.pem (what the mock serves),
 * the certificate alone in ca.pem (what a user would trust). Nothing private
 * is committed. */
static void make_certificate(const char *dir, const char *cn, const char *san)
{
	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
		 "-out ca.pem -days 2 -subj '/CN=%s' -addext 'subjectAltName=%s' "
		 ">openssl.log 2>&1 && cat key.pem ca.pem > server.pem && chmod 600 server.pem "
		 "key.pem",
		 dir, cn, san);
	if (system(cmd) != 0)
		fail_msg("openssl could not make a test certificate (see %s/openssl.log)", dir);
}

/* Both mocks over HTTPS, with a fresh certificate for 127.0.0.1. */
static void start_tls(e2e_env *e, char *ca, size_t casz)
{
	e2e_start(e, "e2e-src", "e2e-dst", NULL);
	make_certificate(e->dir, "127.0.0.1", "IP:127.0.0.1,DNS:localhost");
	char pem[PATH_MAX + 32];
	snprintf(pem, sizeof(pem), "%s/server.pem", e->dir);
	snprintf(ca, casz, "%s/ca.pem", e->dir);
	restart(e, &e->src, "e2e-src", pem, NULL);
	restart(e, &e->dst, "e2e-dst", pem, NULL);
	assert_memory_equal(mock_emby_url(e->src), "https://", 8);
	assert_memory_equal(mock_emby_url(e->dst), "https://", 8);
}

/* The whole TLS story on one pair of HTTPS mocks: refused by default
 * (exit 3, the message names the server and TLS), trusted with --ca-file or
 * the pair file's ca_file, and --insecure only by that exact name, with a
 * warning. */
static void tls_verified_unless_ca_file_or_insecure(void **state)
{
	(void)state;
	e2e_env e;
	char ca[PATH_MAX + 16];
	start_tls(&e, ca, sizeof(ca));

	/* verified by default: refused, exit 3, nothing written */
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 3);
	if (!strstr(e.out, "src") || !strstr(e.out, "TLS"))
		fail_msg("the refusal does not name the server and TLS:\n%s\n%s", e.out, e.err);
	assert_int_equal_dec(requests(e.src) + requests(e.dst), 0);

	/* trusted through --ca-file */
	SYNC(&e, "--ca-file", ca, "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst), 8);
	assert_null(strstr(e.err, "NOT verified"));

	/* or through the pair file's ca_file (the run converged: no writes) */
	char auth[2][PATH_MAX + 96];
	snprintf(auth[0], sizeof(auth[0]), "\"token_env\": \"E2E_SRC_TOKEN\", \"ca_file\": \"%s\"",
		 ca);
	snprintf(auth[1], sizeof(auth[1]), "\"token_env\": \"E2E_DST_TOKEN\", \"ca_file\": \"%s\"",
		 ca);
	e2e_write_pair(&e, NULL, auth[0], auth[1]);
	mock_emby_journal_clear(e.dst);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	assert_true(mock_emby_count(e.dst, "GET", "/Users/*/Items") > 0);
	assert_int_equal_dec(writes(e.dst), 0);
	e2e_write_pair(&e, NULL, NULL, NULL);

	/* --insecure only by that exact name */
	const char *wrong[] = {"--insec",    "--insecure=1", "--insecure=yes", "--Insecure",
			       "--INSECURE", "-insecure",    "--no-verify",    "-k"};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		mock_emby_journal_clear(e.src);
		SYNC(&e, wrong[i], "--dry-run");
		if (e.rc != 2)
			fail_msg("%s: exit %d, expected 2 (usage)\n%s", wrong[i], e.rc, e.err);
		assert_int_equal_dec(requests(e.src), 0);
		assert_null(strstr(e.err, "NOT verified"));
	}
	mock_emby_journal_clear(e.dst);
	SYNC(&e, "--insecure", "--dry-run", "--json");
	expect_rc(&e, 0);
	if (!strstr(e.err, "warning") || !strstr(e.err, "NOT verified"))
		fail_msg("--insecure without its warning:\n%s", e.err);
	assert_true(mock_emby_count(e.dst, "GET", "/Users/*/Items") > 0);
	/* and never from the pair file */
	snprintf(auth[0], sizeof(auth[0]), "\"token_env\": \"E2E_SRC_TOKEN\", \"insecure\": true");
	e2e_write_pair(&e, NULL, auth[0], NULL);
	SYNC(&e, "--dry-run");
	expect_rc(&e, 2);
	assert_non_null(strstr(e.err, "--insecure"));
	e2e_stop(&e);
}

/* Hostname verification: a CA the user trusts, but a certificate for
 * another name, is still refused. */
static void tls_certificate_for_another_host_refused(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	make_certificate(e.dir, "cwp-elsewhere.invalid", "DNS:cwp-elsewhere.invalid");
	char pem[PATH_MAX + 32], ca[PATH_MAX + 16];
	snprintf(pem, sizeof(pem), "%s/server.pem", e.dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", e.dir);
	restart(&e, &e.src, "e2e-src", pem, NULL);
	SYNC(&e, "--ca-file", ca, "--dry-run");
	expect_rc(&e, 3);
	assert_non_null(strstr(e.out, "TLS"));
	assert_int_equal_dec(requests(e.src), 0);
	e2e_stop(&e);
}

/* ---- tokens (CLI-04) ----------------------------------------------------------- */

/* Every mode that lets group or others read or write the token file is
 * refused (exit 2, the message names the file, never the token, nothing is
 * sent); owner-only modes work. */
static void token_file_loose_permissions_refused(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	char tf[PATH_MAX + 16], auth[PATH_MAX + 64];
	snprintf(tf, sizeof(tf), "%s/src.token", e.dir);
	write_file(e.dir, "src.token", E2E_SRC_TOKEN "\n", strlen(E2E_SRC_TOKEN) + 1);
	snprintf(auth, sizeof(auth), "\"token_file\": \"%s\"", tf);
	e2e_write_pair(&e, NULL, auth, NULL);
	const mode_t loose[] = {0604, 0644, 0640, 0660, 0620, 0602, 0606, 0610, 0601, 0666, 0777};
	for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		assert_int_equal(chmod(tf, loose[i]), 0);
		SYNC(&e, "--dry-run");
		if (e.rc != 2)
			fail_msg("mode %04o: exit %d, expected 2", (unsigned)loose[i], e.rc);
		if (!strstr(e.err, tf))
			fail_msg("mode %04o: the message does not name the file: %s",
				 (unsigned)loose[i], e.err);
		assert_no_token("the refusal", e.err);
		assert_no_token("stdout", e.out);
		assert_int_equal_dec(requests(e.src) + requests(e.dst), 0);
	}
	const mode_t ok[] = {0600, 0400};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(chmod(tf, ok[i]), 0);
		SYNC(&e, "--dry-run");
		if (e.rc != 0)
			fail_msg("mode %04o: exit %d, expected 0\n%s", (unsigned)ok[i], e.rc,
				 e.err);
	}
	/* a symlink to a private file is read through; a directory is refused */
	char dir_tf[PATH_MAX + 16];
	snprintf(dir_tf, sizeof(dir_tf), "%s/tokdir", e.dir);
	assert_int_equal(mkdir(dir_tf, 0700), 0);
	snprintf(auth, sizeof(auth), "\"token_file\": \"%s\"", dir_tf);
	e2e_write_pair(&e, NULL, auth, NULL);
	SYNC(&e, "--dry-run");
	expect_rc(&e, 2);
	rmdir(dir_tf);
	e2e_stop(&e);
}

/* No verb reads a token from its arguments: --token (any spelling) is an
 * unknown option, exit 2, nothing is sent, and the value is not echoed. */
static void token_never_read_from_argv(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	const char *const forms[][2] = {
	    {"--token", E2E_SRC_TOKEN},
	    {"--token=" E2E_SRC_TOKEN, NULL},
	    {"--api-key", E2E_SRC_TOKEN},
	    {"--api_key=" E2E_SRC_TOKEN, NULL},
	    {"--access-token", E2E_SRC_TOKEN},
	    {"-t", E2E_SRC_TOKEN},
	    {E2E_SRC_TOKEN, NULL},
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		SYNC(&e, forms[i][0], forms[i][1]);
		if (e.rc != 2)
			fail_msg("sync %s: exit %d, expected 2", forms[i][0], e.rc);
		assert_no_token("sync's refusal of a token argument", e.err);
		assert_no_token("sync's stdout", e.out);
		setenv("CWPROGRESS_TOKEN", "", 1);
		unsetenv("CWPROGRESS_TOKEN");
		e2e_run(&e, cwp__cmd_index, "index", "--server", mock_emby_url(e.src), "--user",
			SRC, forms[i][0], forms[i][1], (char *)NULL);
		if (e.rc != 2)
			fail_msg("index %s: exit %d, expected 2", forms[i][0], e.rc);
		assert_no_token("index's refusal of a token argument", e.err);
		e2e_run(&e, cwp__cmd_undo, "undo", e.journal, forms[i][0], forms[i][1],
			(char *)NULL);
		if (e.rc != 2)
			fail_msg("undo %s: exit %d, expected 2", forms[i][0], e.rc);
		assert_no_token("undo's refusal of a token argument", e.err);
		if (forms[i][0][0] == '-') {
			e2e_run(&e, cwp__cmd_demo, "demo", forms[i][0], forms[i][1], (char *)NULL);
			if (e.rc != 2)
				fail_msg("demo %s: exit %d, expected 2", forms[i][0], e.rc);
			assert_no_token("demo's refusal of a token argument", e.err);
		}
	}
	assert_int_equal_dec(requests(e.src) + requests(e.dst), 0);
	e2e_stop(&e);
}

/* Tokens stay out of every output when things go wrong too: a refused
 * token, a server that echoes the token in its error page, a TLS failure,
 * a write refused with 401; and out of the journal, the plan, the report
 * and the mocks' request journals and saved state. */
static void tokens_absent_when_runs_fail(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"remove\": true, \"replay_enabled\": true}");
	char fx[PATH_MAX + 32];
	/* the source echoes the token in every error page */
	const char rec[] = "[{\"request\": {\"method\": \"GET\", \"path\": \"/Users/*/Items\", "
			   "\"query\": {\"Filters\": \"IsResumable\"}},\n"
			   "  \"response\": {\"status\": 400, \"body_text\": \"bad request for "
			   "token " E2E_SRC_TOKEN " and " E2E_DST_TOKEN "\"}}]\n";
	hostile_fixture(fx, sizeof(fx), &e, rec, strlen(rec));
	restart_source(&e, fx);
	char plan[PATH_MAX + 16], state_out[PATH_MAX + 16];
	snprintf(plan, sizeof(plan), "%s/plan.json", e.dir);
	snprintf(state_out, sizeof(state_out), "%s/state.json", e.dir);
	SYNC(&e, "--journal", e.journal, "-v");
	expect_rc(&e, 3);
	assert_no_token("stdout of a run whose server echoes the token", e.out);
	assert_no_token("stderr of a run whose server echoes the token", e.err);
	SYNC(&e, "--journal", e.journal, "--json");
	expect_rc(&e, 3);
	assert_no_token("the JSON report of a run whose server echoes the token", e.out);
	assert_no_token("stderr (JSON)", e.err);
	/* a wrong token on the destination: the 401 names the server */
	setenv("E2E_DST_TOKEN", "e2e-wrong-TOKEN-111", 1);
	restart(&e, &e.src, "e2e-src", NULL, "{\"remove\": true, \"replay_enabled\": true}");
	SYNC(&e, "--journal", e.journal, "-v");
	expect_rc(&e, 3);
	assert_non_null(strstr(e.out, "dst"));
	assert_null(strstr(e.out, "e2e-wrong-TOKEN-111"));
	assert_null(strstr(e.err, "e2e-wrong-TOKEN-111"));
	setenv("E2E_DST_TOKEN", E2E_DST_TOKEN, 1);
	/* writes refused with 401, journaled, reported */
	assert_int_equal(mock_emby_add_faults(e.dst, "{\"method\": \"POST\", \"route\": "
						     "\"/Users/*/Items/*/UserData\", \"kind\": "
						     "\"status\", \"status\": 401}"),
			 0);
	SYNC(&e, "--journal", e.journal, "--plan-out", plan, "--json", "-v");
	expect_rc(&e, 1);
	assert_no_token("the report of refused writes", e.out);
	assert_no_token("stderr of refused writes", e.err);
	assert_int_equal(mock_emby_save_state(e.dst, state_out), 0);
	char *files[] = {e2e_slurp(e.journal), e2e_slurp(plan), e2e_slurp(state_out),
			 mock_emby_journal_json(e.src), mock_emby_journal_json(e.dst)};
	const char *names[] = {"journal", "plan", "saved mock state", "source requests",
			       "destination requests"};
	assert_true(strlen(files[0]) > 0);
	for (size_t i = 0; i < 5; i++) {
		assert_non_null(files[i]);
		assert_no_token(names[i], files[i]);
		if (i < 3)
			free(files[i]);
		else
			mock_emby_free(files[i]);
	}
	e2e_stop(&e);
}

/* ---- the mock's defences -------------------------------------------------------- */

/* The listening socket of port p, from /proc/net/tcp: its local address. */
static bool listening_address(int port, char *addr, size_t sz)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned st;
		if (sscanf(line, " %*d: %63s %*s %x", local, &st) != 2 || st != 0x0A)
			continue;
		char *colon = strchr(local, ':');
		if (!colon)
			continue;
		char *end = NULL;
		unsigned long pp = strtoul(colon + 1, &end, 16);
		if (*end || (int)pp != port)
			continue;
		*colon = 0;
		snprintf(addr, sz, "%s", local);
		found = true;
	}
	fclose(f);
	return found;
}

static void mock_binds_loopback_by_default(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	char addr[64];
	if (!listening_address(mock_emby_port(e.src), addr, sizeof(addr)))
		skip(); /* no /proc/net/tcp */
	/* 127.0.0.1 in /proc's byte order */
	assert_string_equal(addr, "0100007F");
	assert_memory_equal(mock_emby_url(e.src), "http://127.0.0.1:", 17);
	e2e_stop(&e);
}

/* Raw HTTP: send req, return the status of the answer (0 when the server
 * closed without one). */
static int raw_status(int port, const char *req, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	size_t off = 0;
	while (off < len) {
		ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			break; /* the server may close early on a request it refuses */
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	char buf[256] = "";
	size_t got = 0;
	for (;;) {
		ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r <= 0 || got + (size_t)r >= sizeof(buf) - 1) {
			if (r > 0)
				got += (size_t)r;
			break;
		}
		got += (size_t)r;
	}
	buf[got] = 0;
	close(fd);
	int status = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	return status;
}

/* Tokens: an Emby route needs a valid user token or API key; the control
 * API's token is not one, and a user's token does not open the control API.
 * Size caps: an oversized body, header or URL is refused and the mock keeps
 * serving. */
static void mock_refuses_without_valid_token_and_caps_requests(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	int port = mock_emby_port(e.src);
	char req[2048];
	const char *admin = mock_emby_admin_token(e.src);
	const char *tokens[] = {"", "X-Emby-Token: \r\n", "X-Emby-Token: nope\r\n",
				"X-Emby-Token: " E2E_DST_TOKEN "\r\n", NULL};
	char admin_hdr[256];
	snprintf(admin_hdr, sizeof(admin_hdr), "X-Emby-Token: %s\r\n", admin);
	tokens[4] = admin_hdr;
	for (size_t i = 0; i < 5; i++) {
		int n = snprintf(req, sizeof(req),
				 "GET /Users/%s/Items?Recursive=true HTTP/1.1\r\nHost: x\r\n%s"
				 "Connection: close\r\n\r\n",
				 SRC, tokens[i]);
		int st = raw_status(port, req, (size_t)n);
		if (st != 401)
			fail_msg("token form %zu: HTTP %d, expected 401", i, st);
	}
	int n = snprintf(req, sizeof(req),
			 "GET /__mock/journal HTTP/1.1\r\nHost: x\r\nX-Emby-Token: %s\r\n"
			 "Connection: close\r\n\r\n",
			 E2E_SRC_TOKEN);
	assert_int_equal_dec(raw_status(port, req, (size_t)n), 401);
	n = snprintf(req, sizeof(req),
		     "GET /__mock/journal HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n",
		     admin_hdr);
	assert_int_equal_dec(raw_status(port, req, (size_t)n), 200);

	/* a 2 MiB body, a 1 MiB header, a 1 MiB URL */
	size_t big = (size_t)2 << 20;
	char *huge = malloc(big + 1024);
	assert_non_null(huge);
	n = snprintf(huge, 1024,
		     "POST /Users/%s/Items/101/UserData HTTP/1.1\r\nHost: x\r\nX-Emby-Token: %s\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\nConnection: "
		     "close\r\n\r\n",
		     SRC, E2E_SRC_TOKEN, big);
	memset(huge + n, ' ', big);
	int st = raw_status(port, huge, (size_t)n + big);
	if (st != 413 && st != 0)
		fail_msg("a 2 MiB body: HTTP %d, expected 413 (or a closed connection)", st);
	n = snprintf(huge, 1024, "GET /System/Info/Public HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(huge + n, 'a', (size_t)1 << 20);
	memcpy(huge + n + ((size_t)1 << 20), "\r\n\r\n", 4);
	st = raw_status(port, huge, (size_t)n + ((size_t)1 << 20) + 4);
	if (st == 200)
		fail_msg("a 1 MiB header was accepted");
	memcpy(huge, "GET /", 5);
	memset(huge + 5, 'a', (size_t)1 << 20);
	n = snprintf(huge + 5 + ((size_t)1 << 20), 64, " HTTP/1.1\r\nHost: x\r\n\r\n");
	st = raw_status(port, huge, 5 + ((size_t)1 << 20) + (size_t)n);
	if (st == 200)
		fail_msg("a 1 MiB URL was accepted");
	free(huge);
	/* still serving, and the position was not written */
	n = snprintf(req, sizeof(req),
		     "GET /System/Info/Public HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal_dec(raw_status(port, req, (size_t)n), 200);
	assert_int_equal_dec(e2e_ticks(e.src, SRC, "101"), INT64_C(18000000000));
	e2e_stop(&e);
}

/* ---- hostile server input (READ-05, UNIT-03) -------------------------------------- */

/* Destination items that hold a position, and the position: none of them
 * may be cleared by anything a hostile source sends. */
static const struct {
	const char *item;
	int64_t ticks;
} dst_positions[] = {
    {"2102", INT64_C(6000000000)}, {"2103", INT64_C(30000000000)}, {"2104", INT64_C(36000000000)},
    {"2106", INT64_C(9000000000)}, {"2107", INT64_C(12000000000)}, {"2111", INT64_C(3000000000)},
    {"2211", INT64_C(3600000000)},
};

static void expect_nothing_cleared(const e2e_env *e, const char *what)
{
	char *j = mock_emby_journal_json(e->dst);
	if (strstr(j, "{\\\"PlaybackPositionTicks\\\":0}"))
		fail_msg("%s: a clear was sent to the destination", what);
	mock_emby_free(j);
	for (size_t i = 0; i < sizeof(dst_positions) / sizeof(dst_positions[0]); i++) {
		int64_t t = e2e_ticks(e->dst, DST, dst_positions[i].item);
		if (t <= 0)
			fail_msg("%s: destination item %s lost its position (%lld ticks)", what,
				 dst_positions[i].item, (long long)t);
	}
	assert_int_equal_dec(writes(e->src), 0);
}

static double report_num(const cJSON *rep, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rep, k);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* A movie row of the source (Bravo, Charlie, … by id) as JSON text with
 * one field replaced: `field` is "Name", "UserData.PlaybackPositionTicks",
 * "ProviderIds.Tmdb", …; value is raw JSON. */
static char *movie_row(const char *id, const char *field, const char *value)
{
	char tmdb[16];
	snprintf(tmdb, sizeof(tmdb), "%s", id);
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"Name\": \"Movie %s\", \"Id\": \"%s\", \"Type\": \"Movie\", \"MediaType\": "
		 "\"Video\", \"IsFolder\": false, \"RunTimeTicks\": 72000000000, "
		 "\"ProductionYear\": 2001, \"ProviderIds\": {\"Tmdb\": \"%s\", \"Imdb\": "
		 "\"tt0000%s\"}, \"UserData\": {\"PlaybackPositionTicks\": 18000000000, "
		 "\"LastPlayedDate\": \"2024-03-01T20:00:00.0000000Z\", \"Played\": false, "
		 "\"PlayCount\": 0}}",
		 id, id, tmdb, id);
	cJSON *row = cwp_json_parse_str(buf);
	assert_non_null(row);
	cJSON *v = cwp_json_parse_str(value);
	if (!v)
		fail_msg("test value is not JSON: %s", value);
	const char *dot = strchr(field, '.');
	if (dot) {
		char outer[64];
		snprintf(outer, sizeof(outer), "%.*s", (int)(dot - field), field);
		cJSON *o = cJSON_GetObjectItemCaseSensitive(row, outer);
		assert_non_null(o);
		if (!cJSON_ReplaceItemInObjectCaseSensitive(o, dot + 1, v))
			cJSON_AddItemToObject(o, dot + 1, v);
	} else if (!cJSON_ReplaceItemInObjectCaseSensitive(row, field, v)) {
		/* a field movies do not have (episode fields): added */
		cJSON_AddItemToObject(row, field, v);
	}
	char *s = cJSON_PrintUnformatted(row);
	cJSON_Delete(row);
	return s;
}

/* Recordings that answer the source's index and its confirm lookups
 * (IncludeItemTypes=Movie) with the given rows (n_index, n_lookup of them). */
static char *recordings_for(const char *index_rows, size_t n_index, const char *lookup_rows,
			    size_t n_lookup)
{
	size_t n = strlen(index_rows) + strlen(lookup_rows) + 1024;
	char *r = malloc(n);
	assert_non_null(r);
	snprintf(r, n,
		 "[{\"request\": {\"method\": \"GET\", \"path\": \"/Users/*/Items\", \"query\": "
		 "{\"Filters\": \"IsResumable\"}},\n"
		 "  \"response\": {\"body\": {\"Items\": [%s], \"TotalRecordCount\": %zu}}},\n"
		 " {\"request\": {\"method\": \"GET\", \"path\": \"/Users/*/Items\", \"query\": "
		 "{\"IncludeItemTypes\": \"Movie\"}},\n"
		 "  \"response\": {\"body\": {\"Items\": [%s], \"TotalRecordCount\": %zu}}}]\n",
		 index_rows, n_index, lookup_rows, n_lookup);
	return r;
}

/* Rows of the source's index and of its confirm lookups with wrong types
 * and out-of-range values in every field: each bad row is dropped or its
 * field made absent, with a warning; the run completes; no invalid value
 * ever becomes an explicit zero that clears a destination position. */
static void hostile_wrong_types_and_huge_numbers_never_zero(void **state)
{
	(void)state;
	static const char *const fields[] = {
	    "Name",
	    "Id",
	    "Type",
	    "RunTimeTicks",
	    "ProductionYear",
	    "ProviderIds",
	    "ProviderIds.Tmdb",
	    "ProviderIds.Imdb",
	    "UserData",
	    "UserData.PlaybackPositionTicks",
	    "UserData.LastPlayedDate",
	    "UserData.Played",
	    "UserData.PlayCount",
	    "ParentIndexNumber",
	    "IndexNumber",
	    "SeriesId",
	    "SeriesName",
	};
	static const char *const values[] = {
	    "null",
	    "true",
	    "false",
	    "\"\"",
	    "\"x\"",
	    "[]",
	    "{}",
	    "[[[[1]]]]",
	    "{\"a\": {\"b\": 1}}",
	    "-1",
	    "0.5",
	    "1e-300",
	    "1e300",
	    "-1e300",
	    "9223372036854775807",
	    "9223372036854775808",
	    "18446744073709551616",
	    "9007199254740993",
	    "\"99999999999999999999999\"",
	    "\"-0\"",
	    "\"0x0\"",
	    "\" 0\"",
	    "\"0.0\"",
	    "\"1e3\"",
	    "\"0001-01-01T00:00:00.0000000Z\"",
	    "\"9999-99-99T99:99:99Z\"",
	};
	/* The movies whose destination items hold positions. */
	static const char *const ids[] = {"102", "103", "104", "106", "107", "111"};
	size_t nf = sizeof(fields) / sizeof(fields[0]), nv = sizeof(values) / sizeof(values[0]);
	size_t cap = nf * nv * 1024 + 1024, len = 0;
	char *rows = malloc(cap);
	assert_non_null(rows);
	rows[0] = 0;
	size_t k = 0;
	for (size_t f = 0; f < nf; f++)
		for (size_t v = 0; v < nv; v++, k++) {
			char *row = movie_row(ids[k % 6], fields[f], values[v]);
			len += (size_t)snprintf(rows + len, cap - len, "%s%s", len ? "," : "", row);
			cJSON_free(row);
			assert_true(len < cap);
		}
	/* the confirm lookups: only hostile positions */
	size_t lcap = nv * 6 * 1024 + 64, llen = 0;
	char *lrows = malloc(lcap);
	assert_non_null(lrows);
	lrows[0] = 0;
	for (size_t v = 0; v < nv; v++)
		for (size_t i = 0; i < 6; i++) {
			char *row = movie_row(ids[i], "UserData.PlaybackPositionTicks", values[v]);
			llen += (size_t)snprintf(lrows + llen, lcap - llen, "%s%s", llen ? "," : "",
						 row);
			cJSON_free(row);
			assert_true(llen < lcap);
		}
	char *rec = recordings_for(rows, nf * nv, lrows, nv * 6);
	free(rows);
	free(lrows);
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	char fx[PATH_MAX + 32];
	hostile_fixture(fx, sizeof(fx), &e, rec, strlen(rec));
	free(rec);
	restart_source(&e, fx);
	SYNC(&e, "--journal", e.journal, "--json");
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	if (report_num(rep, "warnings") < (double)(nf * 2))
		fail_msg("only %.0f warnings for %zu hostile rows", report_num(rep, "warnings"),
			 nf * nv);
	cJSON_Delete(rep);
	expect_nothing_cleared(&e, "hostile rows");
	e2e_stop(&e);
}

/* Deeply nested JSON (100k arrays) in an Items answer: a parse error, not a
 * stack overflow. In the index it stops the run (READ-05, exit 3, nothing
 * written); in a confirm lookup it confirms nothing (no clear). */
static void hostile_deep_nesting_is_an_error_not_a_crash(void **state)
{
	(void)state;
	size_t depth = 100000;
	for (int where = 0; where < 3; where++) {
		/* where 0: a field of an index row; 1: the whole Items value;
		 * 2: a field of a confirm lookup row */
		size_t cap = 2 * depth + 4096;
		char *deep = malloc(cap);
		assert_non_null(deep);
		size_t n = 0;
		n += (size_t)snprintf(deep + n, cap - n, "{\"Items\": ");
		if (where != 1)
			n += (size_t)snprintf(deep + n, cap - n,
					      "[{\"Id\": \"102\", \"Type\": \"Movie\", "
					      "\"ProviderIds\": {\"Tmdb\": \"102\"}, \"UserData\": "
					      "{\"PlaybackPositionTicks\": ");
		memset(deep + n, '[', depth);
		n += depth;
		memset(deep + n, ']', depth);
		n += depth;
		if (where != 1)
			n += (size_t)snprintf(deep + n, cap - n, "}}]");
		n += (size_t)snprintf(deep + n, cap - n, ", \"TotalRecordCount\": 1}");
		/* served as text: the mock's fixture loader would refuse it */
		cJSON *text = cJSON_CreateString(deep);
		free(deep);
		char *quoted = cJSON_PrintUnformatted(text);
		cJSON_Delete(text);
		size_t rcap = strlen(quoted) + 1024;
		char *rec = malloc(rcap);
		assert_non_null(rec);
		snprintf(rec, rcap,
			 "[{\"request\": {\"method\": \"GET\", \"path\": \"/Users/*/Items\", "
			 "\"query\": {\"%s\": \"%s\"}},\n"
			 "  \"response\": {\"headers\": {\"Content-Type\": \"application/json\"}, "
			 "\"body_text\": %s}}]\n",
			 where == 2 ? "IncludeItemTypes" : "Filters",
			 where == 2 ? "Movie" : "IsResumable", quoted);
		cJSON_free(quoted);
		e2e_env e;
		e2e_start(&e, "e2e-src", "e2e-dst", NULL);
		char fx[PATH_MAX + 32];
		hostile_fixture(fx, sizeof(fx), &e, rec, strlen(rec));
		free(rec);
		restart_source(&e, fx);
		SYNC(&e, "--journal", e.journal);
		if (where < 2) {
			expect_rc(&e, 3);
			assert_int_equal_dec(writes(e.dst) + writes(e.src), 0);
		} else {
			expect_rc(&e, 0);
			expect_nothing_cleared(&e, "a deeply nested lookup answer");
		}
		e2e_stop(&e);
	}
}

/* Very long strings (a 10 MB title, 1 MB ids and dates) are data, not a
 * crash: the row's bad fields are dropped with warnings, the run completes,
 * nothing is cleared. */
static void hostile_long_strings_handled(void **state)
{
	(void)state;
	size_t big = (size_t)10 << 20, mid = (size_t)1 << 20;
	char *title = malloc(big + 3), *digits = malloc(mid + 3), *date = malloc(mid + 32);
	assert_non_null(title);
	assert_non_null(digits);
	assert_non_null(date);
	title[0] = digits[0] = '"';
	memset(title + 1, 'T', big);
	memcpy(title + 1 + big, "\"", 2);
	memset(digits + 1, '7', mid);
	memcpy(digits + 1 + mid, "\"", 2);
	snprintf(date, 32, "\"2024-03-01T20:00:00.");
	memset(date + 21, '1', mid);
	memcpy(date + 21 + mid, "Z\"", 3);
	const char *fields[] = {"Name",
				"ProviderIds.Tmdb",
				"ProviderIds.Imdb",
				"UserData.LastPlayedDate",
				"UserData.PlaybackPositionTicks",
				"Id"};
	const char *vals[] = {title, digits, digits, date, digits, digits};
	const char *ids[] = {"101", "102", "103", "104", "111", "106"};
	size_t cap = big + 8 * mid + 65536, len = 0;
	char *rows = malloc(cap);
	assert_non_null(rows);
	rows[0] = 0;
	for (size_t i = 0; i < 6; i++) {
		char *row = movie_row(ids[i], fields[i], vals[i]);
		len += (size_t)snprintf(rows + len, cap - len, "%s%s", len ? "," : "", row);
		cJSON_free(row);
		assert_true(len < cap);
	}
	free(title);
	free(digits);
	free(date);
	char *rec = recordings_for(rows, 6, "", 0);
	free(rows);
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	char fx[PATH_MAX + 32];
	hostile_fixture(fx, sizeof(fx), &e, rec, strlen(rec));
	free(rec);
	restart_source(&e, fx);
	SYNC(&e, "--journal", e.journal, "--json");
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	/* the date and the position cannot be read: warned (an over-long id is
	 * no id, and a long title is a title) */
	if (report_num(rep, "warnings") < 2)
		fail_msg("only %.0f warnings for the long fields", report_num(rep, "warnings"));
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rep, "items"))
	{
		const char *key = e2e_str(it, "key");
		if (strlen(key) > 1024)
			fail_msg("a %zu-byte key reached the plan", strlen(key));
	}
	cJSON_Delete(rep);
	expect_nothing_cleared(&e, "long strings");
	/* Alpha's row is fine apart from its title: it is written */
	assert_int_equal_dec(e2e_ticks(e.dst, DST, "2101"), INT64_C(18000000000));
	e2e_stop(&e);
}

/* The destination's fresh state (§5) with a position, a LastPlayedDate or
 * a Played that cannot be read: the item's real state is unknown, so it is
 * not written (the write policy would decide on a made-up state, e.g. miss
 * a newer date or a played flag, and the journal would record made-up
 * previous values that undo would then restore). */
static void hostile_fresh_state_not_overwritten(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	/* the destination answers its state read (Ids=…, Fields=RunTimeTicks,…)
	 * with Charlie (2103, 50:00 there) at a position that is not a number;
	 * every other item of the batch is missing from the answer */
	char dir[PATH_MAX + 32], from[PATH_MAX], sub[PATH_MAX + 64];
	snprintf(dir, sizeof(dir), "%s/hostile-dst", e.dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/userdata", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/recordings", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	const char *files[] = {"server.json", "items.json", "userdata/" DST ".json"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s/cli/tests/fixtures/e2e-dst/%s", CWP_SOURCE_DIR,
			 files[i]);
		copy_file(from, dir, files[i]);
	}
	const char rec[] =
	    "[{\"request\": {\"method\": \"GET\", \"path\": \"/Users/*/Items\", \"query\": "
	    "{\"EnableUserData\": \"true\", \"Fields\": "
	    "\"RunTimeTicks,UserDataLastPlayedDate,UserDataPlayCount\"}},\n"
	    "  \"response\": {\"body\": {\"Items\": [{\"Name\": \"Charlie\", \"Id\": \"2103\", "
	    "\"Type\": \"Movie\", \"RunTimeTicks\": 72000000000, \"UserData\": "
	    "{\"PlaybackPositionTicks\": \"fifty minutes\", \"LastPlayedDate\": "
	    "\"2024-01-01T20:00:00.0000000Z\", \"Played\": false}},\n"
	    "  {\"Name\": \"Bravo\", \"Id\": \"2102\", \"Type\": \"Movie\", \"RunTimeTicks\": "
	    "72000000000, \"UserData\": {\"PlaybackPositionTicks\": 6000000000, "
	    "\"LastPlayedDate\": \"last Tuesday\", \"Played\": false}},\n"
	    "  {\"Name\": \"Kilo\", \"Id\": \"2111\", \"Type\": \"Movie\", \"RunTimeTicks\": "
	    "72000000000, \"UserData\": {\"PlaybackPositionTicks\": 3000000000, "
	    "\"LastPlayedDate\": \"2024-02-01T20:00:00.0000000Z\", \"Played\": \"yes\"}}], "
	    "\"TotalRecordCount\": 3}}}]\n";
	write_file(dir, "recordings/state.json", rec, strlen(rec));
	restart(&e, &e.dst, dir, NULL, "{\"remove\": true}");
	SYNC(&e, "--journal", e.journal, "--json");
	/* the state read was answered by the recording */
	char *rq = mock_emby_journal_json(e.dst);
	assert_non_null(strstr(rq, "Ids=2101"));
	mock_emby_free(rq);
	int64_t t = e2e_ticks(e.dst, DST, "2103");
	if (t != INT64_C(30000000000))
		fail_msg("Charlie (2103) was overwritten on an unreadable state: %lld ticks\n%s",
			 (long long)t, e.out);
	assert_int_equal_dec(e2e_posts(e.dst), 0);
	char *j = e2e_slurp(e.journal);
	if (strstr(j, "\"2103\"") || strstr(j, "\"2102\"") || strstr(j, "\"2111\""))
		fail_msg("an item was journaled with a made-up previous value:\n%s", j);
	free(j);
	e2e_stop(&e);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tls_verified_unless_ca_file_or_insecure),
	    cmocka_unit_test(tls_certificate_for_another_host_refused),
	    cmocka_unit_test(token_file_loose_permissions_refused),
	    cmocka_unit_test(token_never_read_from_argv),
	    cmocka_unit_test(tokens_absent_when_runs_fail),
	    cmocka_unit_test(mock_binds_loopback_by_default),
	    cmocka_unit_test(mock_refuses_without_valid_token_and_caps_requests),
	    cmocka_unit_test(hostile_wrong_types_and_huge_numbers_never_zero),
	    cmocka_unit_test(hostile_deep_nesting_is_an_error_not_a_crash),
	    cmocka_unit_test(hostile_long_strings_handled),
	    cmocka_unit_test(hostile_fresh_state_not_overwritten),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
