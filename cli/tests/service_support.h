/* Support of the service's end-to-end tests (service_e2e.c,
 * service_webhook_e2e.c): two in-process mocks from the demo fixtures (alice
 * and bob on both), a pair file with "users" (and "webhook"), `cwprogress
 * sync` in-process, the service on a thread of this process, and the mock's
 * simulated player. Waits are on conditions with deadlines, stretched by
 * CWP_TIME_SCALE for slow (valgrind) runs. */
#ifndef CWP_SERVICE_SUPPORT_H
#define CWP_SERVICE_SUPPORT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mock_emby/mock_emby.h"
#include "service.h"

#define A_ALICE   "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
#define A_BOB     "1b2c3d4e5f60718293a4b5c6d7e8f90a"
#define B_ALICE   "d4c3b2a1f0e94d8c8b7a695847362514"
#define B_BOB     "e5d4c3b2a1f04e9d8c7b6a5948372615"
#define A_ADMIN   "demo-a-admin-token-not-secret"
#define A_INTER   "240073" /* Interstellar on demo-a … */
#define B_INTER   "51073"  /* … and on demo-b */
#define WH_SECRET "svc-e2e-webhook-secret-7f3a9c"

typedef struct env {
	mock_emby *a, *b;
	char dir[PATH_MAX - 64];
	char pair[PATH_MAX], journal[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
} env;

int scale(void);
mock_emby *start_mock(const char *name);
/* Both mocks, a private folder, the keys in the environment, a pair file
 * with users_json (and the webhook secret when webhook). */
void env_start(env *e, const char *users_json, bool webhook);
/* Checks that no key or secret was printed or journaled, then cleans up. */
void env_stop(env *e);
char *slurp(const char *path);
/* `cwprogress sync --config … --journal …` with up to two more arguments. */
int run_sync(env *e, const char *a1, const char *a2);
cJSON *out_json(env *e);
const cJSON *pair_at(const cJSON *doc, int i);
int num(const cJSON *o, const char *k);
const char *str(const cJSON *o, const char *k);
size_t posts_for(mock_emby *m, const char *user);

typedef struct svc_run {
	cwp__service_opts o;
	pthread_t th;
	int rc;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int port;
	bool done;
} svc_run;

/* The coalescing window of the services the tests start (ms; 0: default). */
extern int svc_test_coalesce_ms;
void svc_start(svc_run *r, env *e, int64_t every_ms, const char *listen);
int svc_join(svc_run *r); /* its exit status; fails after 5 s */
int64_t now_ms(void);
int count_of(const char *hay, const char *needle);
int wait_log(env *e, const char *needle, int n, int ms);
long player(mock_emby *m, const char *item, const char *action, const char *body);
int64_t dst_ticks(env *e);               /* alice's Interstellar on demo-b, -1 absent */
int webhook_service(svc_run *r, env *e); /* --listen; the port */
void add_target(env *e, int port, const char *secret, const char *format);

#endif
