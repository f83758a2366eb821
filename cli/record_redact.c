/* --redact placeholders and the token scrub of `cwprogress record`
 * (docs/FIXTURES.md, "Recording a server"). Which values are private is
 * decided by member names, so that every answer (items, user data, sessions,
 * recorded pages) is handled by one walk:
 *
 *   names  "UserName", "Username", "ConnectUserName"       → user-N
 *          "ServerName"                                    → server-N
 *   paths  members ending in "Path" (strings) or "Paths"   → /redacted/path-N[.ext]
 *          members ending in "ImageTag" / "ImageTags"      → imagetag-N
 *          "Overview", "ShortOverview", "Taglines"         → overview-N
 *
 * A placeholder depends only on the value and the order values were first
 * met: the same value always gets the same placeholder in one recording, so
 * that equal values stay equal. Ids, titles, positions and dates are never
 * touched: the recording must still sync the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cwp/common.h"
#include "record.h"

int cwp__redact_parse(unsigned *out, const char *list, char *err, size_t errsz)
{
	*out = 0;
	const char *p = list ? list : "";
	if (!*p) {
		snprintf(err, errsz, "--redact needs a list: names, paths, or names,paths");
		return CWP_EINVAL;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 5 && !strncmp(p, "names", n))
			*out |= CWP__REDACT_NAMES;
		else if (n == 5 && !strncmp(p, "paths", n))
			*out |= CWP__REDACT_PATHS;
		else if (n == 3 && !strncmp(p, "all", n))
			*out |= CWP__REDACT_NAMES | CWP__REDACT_PATHS;
		else {
			/* Not echoed: whatever was typed there is not repeated. */
			snprintf(err, errsz, "--redact: unknown kind (known: names, paths, all)");
			return CWP_EINVAL;
		}
		p += n;
		if (*p == ',') {
			p++;
			if (!*p) {
				snprintf(err, errsz, "--redact: empty kind after ','");
				return CWP_EINVAL;
			}
		}
	}
	return CWP_OK;
}

static const char *const kind_names[CWP__RK_COUNT] = {"user_names", "server_names", "paths",
						      "image_tags", "overviews"};

const char *cwp__redact_kind_name(cwp__redact_kind kind)
{
	return kind < CWP__RK_COUNT ? kind_names[kind] : "?";
}

size_t cwp__redact_count(const cwp__redactor *r, cwp__redact_kind kind)
{
	return kind < CWP__RK_COUNT ? r->seen[kind].n : 0;
}

void cwp__redactor_free(cwp__redactor *r)
{
	if (!r)
		return;
	for (int k = 0; k < CWP__RK_COUNT; k++)
		cwp__strmap_free(&r->seen[k]);
}

/* ".mkv" of "/a/b/film.mkv": a short alphanumeric extension is kept, so a
 * redacted path still says what kind of file it was. */
static void path_ext(char *out, size_t outsz, const char *path)
{
	out[0] = '\0';
	const char *slash = strrchr(path, '/');
	const char *bslash = strrchr(path, '\\');
	const char *base = slash > bslash ? slash : bslash;
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		return;
	size_t n = strlen(dot + 1);
	if (n == 0 || n > 5)
		return;
	for (const char *c = dot + 1; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9')))
			return;
	snprintf(out, outsz, "%s", dot);
}

char *cwp__redact_value(cwp__redactor *r, cwp__redact_kind kind, const char *value)
{
	size_t num;
	if (kind >= CWP__RK_COUNT ||
	    cwp__strmap_put(&r->seen[kind], value, r->seen[kind].n + 1, NULL, &num) != CWP_OK)
		return NULL;
	char buf[96], ext[8];
	switch (kind) {
	case CWP__RK_USER:
		snprintf(buf, sizeof(buf), "user-%zu", num);
		break;
	case CWP__RK_SERVER:
		snprintf(buf, sizeof(buf), "server-%zu", num);
		break;
	case CWP__RK_PATH:
		path_ext(ext, sizeof(ext), value);
		snprintf(buf, sizeof(buf), "/redacted/path-%zu%s", num, ext);
		break;
	case CWP__RK_IMAGE_TAG:
		snprintf(buf, sizeof(buf), "imagetag-%zu", num);
		break;
	default:
		snprintf(buf, sizeof(buf), "overview-%zu", num);
		break;
	}
	return strdup(buf);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* The kind of the values under a member name, or -1. */
static int kind_of(const cwp__redactor *r, const char *key)
{
	if (!key)
		return -1;
	if (r->what & CWP__REDACT_NAMES) {
		if (!strcmp(key, "UserName") || !strcmp(key, "Username") ||
		    !strcmp(key, "ConnectUserName"))
			return CWP__RK_USER;
		if (!strcmp(key, "ServerName"))
			return CWP__RK_SERVER;
	}
	if (r->what & CWP__REDACT_PATHS) {
		if (ends_with(key, "ImageTag") || ends_with(key, "ImageTags"))
			return CWP__RK_IMAGE_TAG;
		if (ends_with(key, "Path") || ends_with(key, "Paths") || !strcmp(key, "path"))
			return CWP__RK_PATH;
		if (!strcmp(key, "Overview") || !strcmp(key, "ShortOverview") ||
		    !strcmp(key, "Taglines"))
			return CWP__RK_OVERVIEW;
	}
	return -1;
}

/* inherited: the kind of the enclosing member (an ImageTags object, a
 * Taglines array), or -1. */
static int walk(cwp__redactor *r, cJSON *node, int inherited)
{
	for (cJSON *c = node->child; c; c = c->next) {
		int k = cJSON_IsObject(node) ? kind_of(r, c->string) : -1;
		if (k < 0)
			k = inherited;
		if (cJSON_IsString(c) && c->valuestring && k >= 0) {
			char *ph = cwp__redact_value(r, (cwp__redact_kind)k, c->valuestring);
			if (!ph || !cJSON_SetValuestring(c, ph)) {
				free(ph);
				return CWP_ENOMEM;
			}
			free(ph);
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			int rc = walk(r, c, k);
			if (rc != CWP_OK)
				return rc;
		}
	}
	return CWP_OK;
}

int cwp__redact_json(cwp__redactor *r, cJSON *node)
{
	if (!node || !r->what)
		return CWP_OK;
	return walk(r, node, -1);
}

/* s with every occurrence of secret replaced, or NULL when out of memory. */
static char *replace_all(const char *s, const char *secret)
{
	static const char repl[] = "<redacted>";
	size_t sl = strlen(secret), count = 0;
	for (const char *p = strstr(s, secret); p; p = strstr(p + sl, secret))
		count++;
	size_t n = strlen(s) + count * (sizeof(repl) - 1) + 1;
	char *out = malloc(n), *o = out;
	if (!out)
		return NULL;
	const char *p = s;
	for (const char *hit = strstr(p, secret); hit; hit = strstr(p, secret)) {
		memcpy(o, p, (size_t)(hit - p));
		o += hit - p;
		memcpy(o, repl, sizeof(repl) - 1);
		o += sizeof(repl) - 1;
		p = hit + sl;
	}
	memcpy(o, p, strlen(p) + 1);
	return out;
}

static size_t scrub(cJSON *node, const char *secret)
{
	size_t changed = 0;
	for (cJSON *c = node; c; c = c->next) {
		if (c->string && strstr(c->string, secret)) {
			char *k = replace_all(c->string, secret);
			char *copy = k ? cJSON_malloc(strlen(k) + 1) : NULL;
			if (!copy) {
				free(k);
				return (size_t)-1;
			}
			memcpy(copy, k, strlen(k) + 1);
			free(k);
			if (!(c->type & cJSON_StringIsConst))
				cJSON_free(c->string);
			c->type &= ~cJSON_StringIsConst;
			c->string = copy;
			changed++;
		}
		if (cJSON_IsString(c) && c->valuestring && strstr(c->valuestring, secret)) {
			char *v = replace_all(c->valuestring, secret);
			if (!v || !cJSON_SetValuestring(c, v)) {
				free(v);
				return (size_t)-1;
			}
			free(v);
			changed++;
		}
		if (c->child) {
			size_t sub = scrub(c->child, secret);
			if (sub == (size_t)-1)
				return sub;
			changed += sub;
		}
	}
	return changed;
}

size_t cwp__scrub_secret(cJSON *node, const char *secret)
{
	if (!node || !secret || !*secret)
		return 0;
	/* The node itself, not its siblings. */
	cJSON *next = node->next;
	node->next = NULL;
	size_t n = scrub(node, secret);
	node->next = next;
	return n;
}
