/* Test support for the mock_emby suites: start a mock in-process on
 * 127.0.0.1:0 and talk to it with libcurl (never the project's own client).
 * Everything here runs in the test thread; cmocka asserts are safe. */
#ifndef MOCK_TEST_H
#define MOCK_TEST_H

#include "cwp_test.h"

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "mock_emby/mock_emby.h"

/* demo-a / demo-b identities (mock_emby/fixtures, fake test tokens) */
#define A_ALICE     "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
#define A_BOB       "1b2c3d4e5f60718293a4b5c6d7e8f90a"
#define A_TOKEN     "demo-a-token-not-secret"
#define A_BOB_TOKEN "demo-a-bob-token-not-secret"
#define A_APIKEY    "demo-a-apikey-not-secret"
#define A_ADMIN     "demo-a-admin-token-not-secret"
#define A_SERVER_ID "6f1c2d3e4a5b46c7a8d9e0f1a2b3c4d5"
#define B_ALICE     "d4c3b2a1f0e94d8c8b7a695847362514"
#define B_TOKEN     "demo-b-token-not-secret"
/* demo-a items */
#define A_MATRIX_1080     "240013"
#define A_MATRIX_4K       "240030"
#define A_SPIDERMAN       "240043"
#define A_INCEPTION       "240060"
#define A_FIGHT_CLUB      "240103"
#define A_NOSFERATU       "240630"
#define A_FAMILY_VACATION "240690"
#define A_COLLISION       "240643"
#define A_FIREFLY         "240900"
#define A_STAR_WARS       "240343"
#define A_UP              "240600"
#define A_TOY_STORY       "240300"
#define A_DARK_KNIGHT     "240090"
#define A_DOCTOR_WHO      "241003"
#define A_BREAKING_BAD    "240703"
#define A_BB_S02E02       "240870"

typedef struct mt_resp {
	CURLcode code; /* CURLE_OK when a whole answer arrived */
	long status;
	char *body; /* NUL-terminated */
	size_t len;
	char *headers; /* raw header block */
} mt_resp;

/* mock_emby/fixtures/<name> */
const char *mt_fixture(const char *name);

/* Start a mock on demo fixtures (name under mock_emby/fixtures), failing the
 * test with the start error when it does not start. */
mock_emby *mt_start(const char *name);
mock_emby *mt_start_opts(const mock_emby_options *o);

/* One request; headers is a NULL-terminated list of "Name: value" lines
 * (may be NULL); body NULL = none. path includes the query. */
mt_resp mt_req(mock_emby *m, const char *method, const char *path, const char *const *headers,
	       const char *body);
/* GET with X-Emby-Token (token NULL = no token). */
mt_resp mt_get(mock_emby *m, const char *path, const char *token);
/* POST a JSON body with X-Emby-Token. */
mt_resp mt_post(mock_emby *m, const char *path, const char *token, const char *body);
void mt_free(mt_resp *r);

/* The body as JSON (fails the test when it is not). Free with cJSON_Delete. */
cJSON *mt_json(const mt_resp *r);
/* Items[] of an envelope, its TotalRecordCount, an item's Id. */
int mt_count_items(const cJSON *envelope);
long mt_total(const cJSON *envelope);
const char *mt_item_id(const cJSON *item);
/* Does Items[] hold an item with this Id? */
bool mt_has_item(const cJSON *envelope, const char *id);
/* The UserData object of an item (NULL when absent). */
const cJSON *mt_userdata(const cJSON *item);
/* Number of a member as long long (fails when absent or not a number). */
long long mt_num(const cJSON *obj, const char *key);

/* A fresh temporary directory (under the build tree); removed by mt_rmtree. */
char *mt_tmpdir(void);
void mt_rmtree(const char *dir);
/* Write text into dir/name (creating dir/ subfolders of name). */
void mt_write(const char *dir, const char *name, const char *text);

#endif
