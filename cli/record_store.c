/* The items of a recording (`cwprogress record`): every row read, merged by
 * id (a later answer adds the fields an earlier one did not ask for), checked
 * against what mock_emby's fixture loader accepts (mock_emby/src/fixtures.c),
 * and written as the fixture's items.json and userdata/<user>.json
 * (docs/FIXTURES.md). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cwp/common.h"
#include "record.h"

/* ---- what the mock's loader accepts ----------------------------------- */

#define TWO_POW_53 9007199254740992.0

static bool json_int(const cJSON *v, double min, double max)
{
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	return isfinite(d) && d == floor(d) && d >= min && d <= max;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* mock_emby's date rule: YYYY-MM-DDTHH:MM:SS, a 1-7 digit fraction, then
 * nothing, Z, or ±HH[:]MM. */
static bool date_ok(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, se;
	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		size_t nd = 0;
		p++;
		while (p[nd] >= '0' && p[nd] <= '9')
			nd++;
		if (nd < 1 || nd > 7)
			return false;
		p += nd;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		p++;
		if (!digits(p, 2, &oh))
			return false;
		p += 2;
		if (*p == ':')
			p++;
		if (!digits(p, 2, &om) || oh > 23 || om > 59)
			return false;
		p += 2;
	}
	return *p == '\0';
}

static bool present(const cJSON *v)
{
	return v && !cJSON_IsNull(v);
}

const char *cwp__rec_item_problem(const cJSON *item)
{
	if (!cJSON_IsObject(item))
		return "not a JSON object";
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "Id");
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return "Id: missing or not a non-empty string";
	v = cJSON_GetObjectItemCaseSensitive(item, "Type");
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return "Type: missing or not a non-empty string";
	static const char *const strs[] = {"Name", "SortName"};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(item, strs[i]);
		if (present(v) && !cJSON_IsString(v))
			return i == 0 ? "Name: not a string" : "SortName: not a string";
	}
	static const char *const ids[] = {"SeriesId", "SeasonId", "cwpLibraryId"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(item, ids[i]);
		if (present(v) && (!cJSON_IsString(v) || !v->valuestring[0]))
			return i == 0   ? "SeriesId: not a non-empty string"
			       : i == 1 ? "SeasonId: not a non-empty string"
					: "cwpLibraryId: not a non-empty string";
	}
	v = cJSON_GetObjectItemCaseSensitive(item, "ProductionYear");
	if (present(v) && !json_int(v, 0, 9999))
		return "ProductionYear: not an integer in [0, 9999]";
	v = cJSON_GetObjectItemCaseSensitive(item, "ParentIndexNumber");
	if (present(v) && !json_int(v, 0, INT32_MAX))
		return "ParentIndexNumber: not a non-negative integer";
	v = cJSON_GetObjectItemCaseSensitive(item, "IndexNumber");
	if (present(v) && !json_int(v, 0, INT32_MAX))
		return "IndexNumber: not a non-negative integer";
	v = cJSON_GetObjectItemCaseSensitive(item, "DateCreated");
	if (present(v) && !(cJSON_IsString(v) && date_ok(v->valuestring)))
		return "DateCreated: not a date";
	v = cJSON_GetObjectItemCaseSensitive(item, "PremiereDate");
	if (present(v) && !(cJSON_IsString(v) && date_ok(v->valuestring)))
		return "PremiereDate: not a date";
	v = cJSON_GetObjectItemCaseSensitive(item, "RunTimeTicks");
	if (present(v) && !json_int(v, 0, TWO_POW_53))
		return "RunTimeTicks: not a non-negative integer";
	v = cJSON_GetObjectItemCaseSensitive(item, "IsFolder");
	if (v && !cJSON_IsBool(v))
		return "IsFolder: not true or false";
	v = cJSON_GetObjectItemCaseSensitive(item, "ProviderIds");
	if (present(v)) {
		if (!cJSON_IsObject(v))
			return "ProviderIds: not an object";
		const cJSON *p;
		cJSON_ArrayForEach(p, v)
		{
			if (!cJSON_IsNull(p) && !cJSON_IsString(p))
				return "ProviderIds: a value that is not a string";
		}
	}
	return NULL;
}

static const char *ud_member_problem(const cJSON *c)
{
	if (!strcmp(c->string, "PlaybackPositionTicks"))
		return json_int(c, 0, TWO_POW_53)
			   ? NULL
			   : "PlaybackPositionTicks: not a non-negative integer";
	if (!strcmp(c->string, "PlayCount"))
		return json_int(c, 0, INT32_MAX) ? NULL : "PlayCount: not a non-negative integer";
	if (!strcmp(c->string, "Played") || !strcmp(c->string, "IsFavorite") ||
	    !strcmp(c->string, "cwpResumable"))
		return cJSON_IsBool(c) ? NULL : "Played/IsFavorite: not true or false";
	if (!strcmp(c->string, "PlayedPercentage"))
		return cJSON_IsNumber(c) || cJSON_IsNull(c) ? NULL
							    : "PlayedPercentage: not a number";
	if (!strcmp(c->string, "LastPlayedDate"))
		return cJSON_IsNull(c) || (cJSON_IsString(c) && date_ok(c->valuestring))
			   ? NULL
			   : "LastPlayedDate: not a date";
	if (!strncmp(c->string, "cwp", 3))
		return "a cwp… member (reserved for mock annotations)";
	return NULL;
}

const char *cwp__rec_userdata_problem(const cJSON *ud, const char **bad_key)
{
	if (bad_key)
		*bad_key = NULL;
	if (!cJSON_IsObject(ud))
		return "UserData: not an object";
	const cJSON *c;
	cJSON_ArrayForEach(c, ud)
	{
		const char *p = ud_member_problem(c);
		if (p) {
			if (bad_key)
				*bad_key = c->string;
			return p;
		}
	}
	return NULL;
}

/* ---- the store -------------------------------------------------------- */

bool cwp__rec_store_find(const cwp__rec_store *s, const char *id, size_t *idx)
{
	return cwp__strmap_get(&s->ids, id, idx);
}

void cwp__rec_store_free(cwp__rec_store *s)
{
	for (size_t i = 0; i < s->n; i++) {
		cJSON_Delete(s->v[i].obj);
		cJSON_Delete(s->v[i].ud);
		free(s->v[i].library);
	}
	free(s->v);
	cwp__strmap_free(&s->ids);
	memset(s, 0, sizeof(*s));
}

/* Copy into dst the members of src (a UserData object) that dst lacks and
 * the mock can hold. Returns how many were left out as unloadable, or -1
 * when out of memory; *why names the first. */
static long merge_userdata(cJSON *dst, const cJSON *src, const char **why)
{
	long bad = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, src)
	{
		const char *p = ud_member_problem(c);
		if (p) {
			if (!bad && why)
				*why = p;
			bad++;
			continue;
		}
		if (cJSON_GetObjectItemCaseSensitive(dst, c->string))
			continue;
		cJSON *d = cJSON_Duplicate(c, 1);
		if (!d || !cJSON_AddItemToObject(dst, c->string, d)) {
			cJSON_Delete(d);
			return -1;
		}
	}
	return bad;
}

/* A row of an item already in the store: the fields it lacks, its UserData
 * merged, listed from where. */
static int store_merge(cwp__rec_store *s, cwp__rec_item *e, const cJSON *row, const char *library,
		       bool listed, cwp__rec_added *what, const char **why)
{
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(row, "UserData");
	const cJSON *c;
	cJSON_ArrayForEach(c, row)
	{
		if (!strcmp(c->string, "UserData") ||
		    cJSON_GetObjectItemCaseSensitive(e->obj, c->string))
			continue;
		cJSON *d = cJSON_Duplicate(c, 1);
		if (!d || !cJSON_AddItemToObject(e->obj, c->string, d)) {
			cJSON_Delete(d);
			return CWP_ENOMEM;
		}
	}
	*what = CWP__REC_MERGED;
	if (cJSON_IsObject(ud)) {
		if (!e->ud && !(e->ud = cJSON_CreateObject()))
			return CWP_ENOMEM;
		long bad = merge_userdata(e->ud, ud, why);
		if (bad < 0)
			return CWP_ENOMEM;
		if (bad > 0) {
			s->dropped_userdata += (size_t)bad;
			*what = CWP__REC_UD_TRIMMED;
		}
	}
	if (listed && e->listed &&
	    ((library == NULL) != (e->library == NULL) ||
	     (library && strcmp(library, e->library) != 0))) {
		*why = "listed by two libraries";
		*what = CWP__REC_LIB_CONFLICT;
	}
	e->listed = e->listed || listed;
	if (library && !e->library && !(e->library = strdup(library)))
		return CWP_ENOMEM;
	return CWP_OK;
}

/* A row of a new item, appended as s->v[s->n]. */
static int store_append(cwp__rec_store *s, const char *id, const cJSON *row, const char *library,
			bool listed, cwp__rec_added *what, const char **why)
{
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(row, "UserData");
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		cwp__rec_item *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return CWP_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	cwp__rec_item *e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	e->obj = cJSON_Duplicate(row, 1);
	if (!e->obj)
		return CWP_ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(e->obj, "UserData");
	/* A server never sends the mock's annotations; a cwp… member would
	 * be taken for one. */
	for (cJSON *c = e->obj->child; c;) {
		cJSON *next = c->next;
		if (!strncmp(c->string, "cwp", 3))
			cJSON_Delete(cJSON_DetachItemViaPointer(e->obj, c));
		c = next;
	}
	*what = CWP__REC_ADDED;
	bool ok = true;
	if (cJSON_IsObject(ud)) {
		e->ud = cJSON_CreateObject();
		long bad = e->ud ? merge_userdata(e->ud, ud, why) : -1;
		ok = bad >= 0;
		if (bad > 0) {
			s->dropped_userdata += (size_t)bad;
			*what = CWP__REC_UD_TRIMMED;
		}
	}
	if (ok && library)
		ok = (e->library = strdup(library)) != NULL;
	e->listed = listed;
	if (ok)
		ok = cwp__strmap_put(&s->ids, id, s->n, NULL, NULL) == CWP_OK;
	if (!ok) {
		cJSON_Delete(e->obj);
		cJSON_Delete(e->ud);
		free(e->library);
		return CWP_ENOMEM;
	}
	s->n++;
	return CWP_OK;
}

int cwp__rec_store_add(cwp__rec_store *s, const cJSON *row, const char *library, bool listed,
		       cwp__rec_added *what, const char **why, size_t *idx)
{
	*why = NULL;
	*what = CWP__REC_REJECTED;
	const char *problem = cwp__rec_item_problem(row);
	if (problem) {
		*why = problem;
		return CWP_OK;
	}
	const char *id = cJSON_GetObjectItemCaseSensitive(row, "Id")->valuestring;
	size_t at;
	bool had = cwp__strmap_get(&s->ids, id, &at);
	int rc = had ? store_merge(s, &s->v[at], row, library, listed, what, why)
		     : store_append(s, id, row, library, listed, what, why);
	if (rc == CWP_OK && idx)
		*idx = had ? at : s->n - 1;
	return rc;
}

static bool set_member(cJSON *obj, const char *key, cJSON *v)
{
	if (!v)
		return false;
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v) != 0;
	if (!cJSON_AddItemToObject(obj, key, v)) {
		cJSON_Delete(v);
		return false;
	}
	return true;
}

size_t cwp__rec_store_pin_resumable(cwp__rec_store *s)
{
	size_t pinned = 0;
	for (size_t i = 0; i < s->n; i++) {
		cwp__rec_item *e = &s->v[i];
		const cJSON *pos = cJSON_GetObjectItemCaseSensitive(e->ud, "PlaybackPositionTicks");
		/* the mock's Filters=IsResumable: position > 0, played or not */
		bool model = json_int(pos, 0, TWO_POW_53) && pos->valuedouble > 0;
		if (model == e->listed)
			continue;
		if (!e->ud && !(e->ud = cJSON_CreateObject()))
			continue; /* out of memory: the mock's rule then applies */
		if (set_member(e->ud, "cwpResumable", cJSON_CreateBool(e->listed)))
			pinned++;
	}
	return pinned;
}

/* ---- files ------------------------------------------------------------ */

static int join(char *out, size_t outsz, const char *dir, const char *name)
{
	int n = snprintf(out, outsz, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= outsz ? CWP_ERANGE : CWP_OK;
}

/* Write text to path; refuse text holding secret. */
static int write_text(const char *path, const char *text, const char *secret, char *err,
		      size_t errsz)
{
	if (secret && *secret && strstr(text, secret)) {
		snprintf(err, errsz, "%s: would hold the token: not written", path);
		return CWP_EPERM;
	}
	FILE *f = fopen(path, "wx");
	if (!f) {
		snprintf(err, errsz, "%s: cannot create: %s", path, strerror(errno));
		return CWP_EIO;
	}
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	ok = (fclose(f) == 0) && ok;
	if (!ok) {
		snprintf(err, errsz, "%s: cannot write: %s", path, strerror(errno));
		return CWP_EIO;
	}
	return CWP_OK;
}

int cwp__rec_write_json(const char *dir, const char *name, const cJSON *doc, bool pretty,
			const char *secret, char *err, size_t errsz)
{
	char path[4096];
	if (join(path, sizeof(path), dir, name) != CWP_OK) {
		snprintf(err, errsz, "%s/%s: path too long", dir, name);
		return CWP_ERANGE;
	}
	char *text = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
	if (!text) {
		snprintf(err, errsz, "%s: out of memory", path);
		return CWP_ENOMEM;
	}
	size_t n = strlen(text);
	char *nl = malloc(n + 2);
	int rc = CWP_ENOMEM;
	if (nl) {
		memcpy(nl, text, n);
		nl[n] = '\n';
		nl[n + 1] = '\0';
		rc = write_text(path, nl, secret, err, errsz);
	} else {
		snprintf(err, errsz, "%s: out of memory", path);
	}
	free(nl);
	cJSON_free(text);
	return rc;
}

/* A growing text buffer. */
typedef struct tbuf {
	char *p;
	size_t len, cap;
	bool oom;
} tbuf;

static void tb_add(tbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void tb_json(tbuf *b, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s) {
		b->oom = true;
		return;
	}
	tb_add(b, s);
	cJSON_free(s);
}

int cwp__rec_store_write(const cwp__rec_store *s, const char *dir, const char *user_id, char *err,
			 size_t errsz)
{
	char path[4096], name[256];
	tbuf b = {0};
	int rc;

	/* items.json: one item per line, in the order they were read (the
	 * resumable listing first, so the mock lists them in the server's
	 * order). */
	tb_add(&b, "[\n");
	for (size_t i = 0; i < s->n; i++) {
		const cwp__rec_item *e = &s->v[i];
		cJSON *lib = NULL;
		if (e->library && !cJSON_GetObjectItemCaseSensitive(e->obj, "cwpLibraryId")) {
			lib = cJSON_CreateString(e->library);
			if (!lib || !cJSON_AddItemToObject(e->obj, "cwpLibraryId", lib)) {
				cJSON_Delete(lib);
				b.oom = true;
				break;
			}
		}
		tb_add(&b, "  ");
		tb_json(&b, e->obj);
		tb_add(&b, i + 1 < s->n ? ",\n" : "\n");
	}
	tb_add(&b, "]\n");
	if (b.oom) {
		snprintf(err, errsz, "%s/items.json: out of memory", dir);
		rc = CWP_ENOMEM;
		goto done;
	}
	if (join(path, sizeof(path), dir, "items.json") != CWP_OK) {
		snprintf(err, errsz, "%s/items.json: path too long", dir);
		rc = CWP_ERANGE;
		goto done;
	}
	rc = write_text(path, b.p, NULL, err, errsz);
	if (rc != CWP_OK)
		goto done;

	/* userdata/<user>.json: item id → UserData, one per line. */
	if (join(path, sizeof(path), dir, "userdata") != CWP_OK || mkdir(path, 0700) != 0) {
		snprintf(err, errsz, "%s/userdata: cannot create: %s", dir, strerror(errno));
		rc = CWP_EIO;
		goto done;
	}
	b.len = 0;
	tb_add(&b, "{\n");
	bool first = true;
	for (size_t i = 0; i < s->n; i++) {
		const cwp__rec_item *e = &s->v[i];
		if (!e->ud)
			continue;
		cJSON *k =
		    cJSON_CreateString(cJSON_GetObjectItemCaseSensitive(e->obj, "Id")->valuestring);
		if (!k) {
			b.oom = true;
			break;
		}
		tb_add(&b, first ? "  " : ",\n  ");
		first = false;
		tb_json(&b, k);
		cJSON_Delete(k);
		tb_add(&b, ": ");
		tb_json(&b, e->ud);
	}
	tb_add(&b, first ? "}\n" : "\n}\n");
	if (b.oom) {
		snprintf(err, errsz, "%s/userdata: out of memory", dir);
		rc = CWP_ENOMEM;
		goto done;
	}
	snprintf(name, sizeof(name), "userdata/%.64s.json", user_id);
	if (join(path, sizeof(path), dir, name) != CWP_OK) {
		snprintf(err, errsz, "%s/%s: path too long", dir, name);
		rc = CWP_ERANGE;
		goto done;
	}
	rc = write_text(path, b.p, NULL, err, errsz);
done:
	free(b.p);
	return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void cwp__rec_rmtree(const char *dir)
{
	if (dir && *dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
