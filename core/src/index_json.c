/* Index JSON (CLI-02): read and write progress indexes in CrossWatch's shape.
 *
 * Two forms (docs/FORMATS.md):
 *   object      {"<key>": {record}, ...}
 *   JSON lines  {"key": "<key>", record members...}\n per record
 *
 * Reading never builds one JSON tree for the whole file: a small scanner
 * (string-aware, bounds-checked) finds the extent of each member value or
 * line and only that slice goes through cJSON, so memory stays near the size
 * of the index however large the file is. Loading maps the file and hands
 * the pages already read back to the kernel as it goes.
 *
 * A bad field makes that field absent with a warning (UNIT-03: never 0); a
 * record that is not an object or has no usable type is dropped with a
 * warning; text that is not JSON or not an index is CWP_EPARSE, with a
 * message naming the input, the line and the byte offset. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "index_internal.h"
#include "json_write.h"
#include "cwp/parse.h"

/* How much of a mapped file is read before its pages are released. */
#define RELEASE_STEP ((size_t)32 << 20)

/* ---- Where we are (for messages) -------------------------------------- */

typedef struct src_loc {
	const char *name; /* the path, or "index JSON" for a buffer */
	const char *base; /* the text (NULL: no position known) */
	size_t off;       /* offset of the current record */
	size_t line_off;  /* line counting cursor: lines before line_off... */
	size_t line;      /* ...is line - 1 */
} src_loc;

/* The 1-based line of loc->off. Records are visited in order, so the cursor
 * only moves forward and counting costs one pass over the text in total. */
static size_t loc_line(src_loc *loc)
{
	if (loc->off < loc->line_off) {
		loc->line_off = 0;
		loc->line = 1;
	}
	for (size_t i = loc->line_off; i < loc->off; i++)
		loc->line += loc->base[i] == '\n';
	loc->line_off = loc->off;
	return loc->line;
}

/* "name:line" (or just the name). */
static const char *loc_str(src_loc *loc, char *buf, size_t bufsz)
{
	if (!loc->base)
		return loc->name;
	snprintf(buf, bufsz, "%s:%zu", loc->name, loc_line(loc));
	return buf;
}

/* ---- Record fields ---------------------------------------------------- */

enum field {
	F_KEY,
	F_TYPE,
	F_TITLE,
	F_YEAR,
	F_IDS,
	F_SHOW_IDS,
	F_SEASON,
	F_EPISODE,
	F_PROGRESS_MS,
	F_DURATION_MS,
	F_PROGRESS_PERCENT,
	F_PROGRESS_AT,
	F_PLAYED,
	F_ITEM_ID,
	F_ITEM_IDS, /* extension: every version of a multi-version item */
	F__COUNT
};

static const char *const field_names[F__COUNT] = {
    "key",
    "type",
    "title",
    "year",
    "ids",
    "show_ids",
    "season",
    "episode",
    "progress_ms",
    "duration_ms",
    "progress_percent",
    "progress_at",
    "played",
    "item_id",
    "item_ids",
};

/* The field of a member name, or -1 (unknown members are ignored). */
static int field_of(const char *name)
{
	if (!name)
		return -1;
	for (int f = 0; f < F__COUNT; f++) {
		if (name[0] == field_names[f][0] && strcmp(name, field_names[f]) == 0)
			return f;
	}
	return -1;
}

/* ---- One record ------------------------------------------------------- */

typedef struct rec_ctx {
	cwp_warnings *w;
	src_loc *loc;
	const char *label; /* the record's key as given, for messages */
} rec_ctx;

static void field_warn(rec_ctx *c, const char *field, const cJSON *v, const char *expected)
{
	char where[512], shown[72];
	char *txt;

	if (!c->w)
		return;
	txt = v ? cJSON_PrintUnformatted(v) : NULL;
	if (txt && strlen(txt) > 60)
		snprintf(shown, sizeof(shown), "%.57s...", txt);
	else
		snprintf(shown, sizeof(shown), "%s", txt ? txt : "?");
	cJSON_free(txt);
	cwp_warn(c->w, "%s: record \"%s\": %s: invalid value %s (expected %s); treated as absent",
		 loc_str(c->loc, where, sizeof(where)), c->label, field, shown, expected);
}

static bool exact_nonneg_integer(double d)
{
	return isfinite(d) && !signbit(d) && d <= MAX_EXACT_DOUBLE && d == floor(d);
}

/* A non-negative integer field (a JSON integer or a decimal string, UNIT-02)
 * no larger than max. false: absent (a warning was counted if invalid). */
static bool int_field(rec_ctx *c, const cJSON *v, const char *field, int64_t max, int64_t *out)
{
	int64_t x;
	int rc = cwp_ticks_from_json(&x, v);
	if (rc == CWP_EABSENT)
		return false;
	if (rc != CWP_OK || x > max) {
		field_warn(c, field, v, "a non-negative integer, or a string of digits");
		return false;
	}
	*out = x;
	return true;
}

static bool int32_field(rec_ctx *c, const cJSON *v, const char *field, int32_t *out)
{
	int64_t x;
	if (!int_field(c, v, field, INT32_MAX, &x))
		return false;
	*out = (int32_t)x;
	return true;
}

/* An id value: a string, or an integer number (ids are strings in Emby, but
 * other exporters write numbers). normalized into out; false when absent. */
static bool id_value(rec_ctx *c, const char *field, const char *name, cwp_id_kind kind,
		     const cJSON *v, char out[CWP_ID_MAX])
{
	char digits[24], label[64];

	if (cJSON_IsNull(v))
		return false;
	if (cJSON_IsString(v) && v->valuestring)
		return cwp_id_normalize(kind, v->valuestring, strlen(v->valuestring), out) > 0;
	if (cJSON_IsNumber(v) && exact_nonneg_integer(v->valuedouble)) {
		size_t n = cwp__fmt_u64(digits, (uint64_t)v->valuedouble);
		return cwp_id_normalize(kind, digits, n, out) > 0;
	}
	snprintf(label, sizeof(label), "%s.%s", field, name);
	field_warn(c, label, v, "a string or an integer");
	return false;
}

/* ids / show_ids: an object of provider name → value (names case-insensitive,
 * names this project does not key on are ignored). */
static void ids_field(rec_ctx *c, const cJSON *o, const char *field,
		      char vals[CWP_ID_COUNT][CWP_ID_MAX], const char *ids[CWP_ID_COUNT])
{

	if (!o || cJSON_IsNull(o))
		return;
	if (!cJSON_IsObject(o)) {
		field_warn(c, field, o, "an object of provider name to id");
		return;
	}
	for (const cJSON *m = o->child; m; m = m->next) {
		if (!m->string)
			continue;
		int k = cwp_id_kind_from_name(m->string, strlen(m->string));
		if (k < 0 || ids[k])
			continue; /* unknown provider, or a name already seen in another case */
		if (id_value(c, field, m->string, (cwp_id_kind)k, m, vals[k]))
			ids[k] = vals[k];
	}
}

static bool eq_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

static const char *str_field(rec_ctx *c, const cJSON *v, const char *field)
{
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v) && v->valuestring)
		return v->valuestring;
	field_warn(c, field, v, "a string");
	return NULL;
}

/* An item id: a non-empty string, or an integer number written as digits. */
static const char *item_id_value(rec_ctx *c, const char *field, const cJSON *v, char *buf)
{
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v) && v->valuestring)
		return v->valuestring[0] ? v->valuestring : NULL;
	if (cJSON_IsNumber(v) && exact_nonneg_integer(v->valuedouble)) {
		cwp__fmt_u64(buf, (uint64_t)v->valuedouble);
		return buf;
	}
	field_warn(c, field, v, "a string or an integer");
	return NULL;
}

/* The record of obj into idx. CWP_EINVAL: dropped (warned). */
static int put_record(cwp_index *idx, const char *key, const cJSON *obj, cwp_warnings *w,
		      src_loc *loc)
{
	char ids_v[CWP_ID_COUNT][CWP_ID_MAX], show_v[CWP_ID_COUNT][CWP_ID_MAX];
	char item_buf[24], where[512];
	cwp_record r = {0};
	rec_ctx c = {w, loc, key ? key : "(no key)"};
	const cJSON *v;
	int64_t x;
	int rc;

	if (!cJSON_IsObject(obj)) {
		cwp_warn(w, "%s: record \"%s\": not a JSON object; dropped",
			 loc_str(loc, where, sizeof(where)), c.label);
		return cwp_error_set(CWP_EINVAL, "index: record \"%s\" is not an object", c.label);
	}
	/* One pass over the members (the first of a repeated name counts). */
	const cJSON *fv[F__COUNT] = {NULL};
	for (const cJSON *m = obj->child; m; m = m->next) {
		int f = field_of(m->string);
		if (f >= 0 && !fv[f])
			fv[f] = m;
	}
	if (!key) {
		/* JSON lines: the record names its key; without one it is computed */
		v = fv[F_KEY];
		if (cJSON_IsString(v) && v->valuestring && v->valuestring[0])
			key = v->valuestring;
		else if (v && !cJSON_IsNull(v))
			field_warn(&c, "key", v,
				   "a non-empty string; the canonical key is computed");
		c.label = key ? key : "(no key)";
	} else if (!key[0]) {
		cwp_warn(w, "%s: record with an empty key: the canonical key is computed",
			 loc_str(loc, where, sizeof(where)));
		key = NULL;
	}
	r.key = key;
	cwp__index_prefetch(idx, key);

	v = fv[F_TYPE];
	if (cJSON_IsString(v) && v->valuestring && eq_nocase(v->valuestring, "movie"))
		r.type = CWP_TYPE_MOVIE;
	else if (cJSON_IsString(v) && v->valuestring && eq_nocase(v->valuestring, "episode"))
		r.type = CWP_TYPE_EPISODE;
	if (r.type == CWP_TYPE_UNKNOWN) {
		char *txt = v ? cJSON_PrintUnformatted(v) : NULL;
		cwp_warn(w, "%s: record \"%s\": type %s is not \"movie\" or \"episode\"; dropped",
			 loc_str(loc, where, sizeof(where)), c.label, txt ? txt : "missing");
		cJSON_free(txt);
		return cwp_error_set(CWP_EINVAL, "index: record \"%s\" has no usable type",
				     c.label);
	}

	r.title = str_field(&c, fv[F_TITLE], "title");
	r.has_year = int32_field(&c, fv[F_YEAR], "year", &r.year);
	r.has_season = int32_field(&c, fv[F_SEASON], "season", &r.season);
	r.has_episode = int32_field(&c, fv[F_EPISODE], "episode", &r.episode);
	ids_field(&c, fv[F_IDS], "ids", ids_v, r.ids);
	ids_field(&c, fv[F_SHOW_IDS], "show_ids", show_v, r.show_ids);
	r.has_progress_ms =
	    int_field(&c, fv[F_PROGRESS_MS], "progress_ms", INT64_MAX, &r.progress_ms);
	/* a duration of 0 is "unknown", like RunTimeTicks 0 (UNIT-04) */
	r.has_duration_ms = int_field(&c, fv[F_DURATION_MS], "duration_ms", INT64_MAX, &x) && x > 0;
	r.duration_ms = r.has_duration_ms ? x : 0;

	v = fv[F_PROGRESS_PERCENT];
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0.0 &&
	    v->valuedouble <= 100.0) {
		r.progress_percent = v->valuedouble + 0.0; /* + 0.0: no negative zero */
		r.has_progress_percent = true;
	} else if (v && !cJSON_IsNull(v)) {
		field_warn(&c, "progress_percent", v, "a number from 0 to 100");
	}

	v = fv[F_PROGRESS_AT];
	rc = cwp_time_from_json(&r.progress_at, v);
	if (rc == CWP_OK)
		r.has_progress_at = true;
	else if (rc != CWP_EABSENT)
		field_warn(&c, "progress_at", v,
			   "YYYY-MM-DDTHH:MM:SS[.fffffff][Z|+HH:MM], or epoch seconds or ms");

	v = fv[F_PLAYED];
	if (cJSON_IsBool(v)) {
		r.played = cJSON_IsTrue(v);
		r.has_played = true;
	} else if (v && !cJSON_IsNull(v)) {
		field_warn(&c, "played", v, "true or false");
	}

	r.item_id = item_id_value(&c, "item_id", fv[F_ITEM_ID], item_buf);

	const char *stored = NULL;
	rc = cwp__index_put(idx, &r, &stored);
	if (rc == CWP_ERANGE && !r.key) {
		cwp_warn(w,
			 "%s: record \"%s\": its canonical key would be longer than %d bytes; "
			 "dropped",
			 loc_str(loc, where, sizeof(where)), c.label, CWP_KEY_MAX - 1);
		return CWP_EINVAL;
	}
	if (rc != CWP_OK)
		return rc;

	/* Extension: the other versions of a multi-version item (APPLY-06). */
	v = fv[F_ITEM_IDS];
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsArray(v)) {
			field_warn(&c, "item_ids", v, "an array of item ids");
		} else {
			for (const cJSON *e = v->child; e; e = e->next) {
				const char *id = item_id_value(&c, "item_ids[]", e, item_buf);
				if (id && (rc = cwp__index_add_item_id(idx, stored, id)) != CWP_OK)
					return rc;
			}
		}
	}
	return CWP_OK;
}

int cwp_index_put_json(cwp_index *idx, const char *key, const cJSON *obj, cwp_warnings *w)
{
	src_loc loc = {"index JSON", NULL, 0, 0, 1};
	if (!idx)
		return cwp_error_set(CWP_EINVAL, "cwp_index_put_json: no index");
	return put_record(idx, key, obj, w, &loc);
}

/* ---- Scanner ---------------------------------------------------------- */

typedef struct scan {
	const char *b;
	size_t len;
	const char *err; /* what was wrong, for the message */
	size_t err_off;
} scan;

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const scan *s, size_t i)
{
	while (i < s->len && is_ws(s->b[i]))
		i++;
	return i;
}

static bool fail_at(scan *s, size_t off, const char *what)
{
	s->err = what;
	s->err_off = off;
	return false;
}

/* s->b[i] == '"': *end just past the closing quote. */
static bool scan_string(scan *s, size_t i, size_t *end, bool *escaped)
{
	size_t start = i;
	for (i++; i < s->len; i++) {
		unsigned char c = (unsigned char)s->b[i];
		if (c == '"') {
			*end = i + 1;
			return true;
		}
		if (c == '\\') {
			*escaped = true;
			if (++i >= s->len)
				break;
		} else if (c < 0x20) {
			return fail_at(s, i, "a control character inside a string");
		}
	}
	return fail_at(s, start, "an unterminated string");
}

static bool is_delim(char c)
{
	return is_ws(c) || c == ',' || c == '}' || c == ']' || c == ':';
}

/* The extent [i, *end) of the JSON value at i. Nested containers are only
 * balanced here; cJSON checks their content. */
static bool scan_value(scan *s, size_t i, size_t *end)
{
	bool esc = false;

	if (i >= s->len)
		return fail_at(s, i, "the end of the input where a value was expected");
	char c = s->b[i];
	if (c == '"')
		return scan_string(s, i, end, &esc);
	if (c == '{' || c == '[') {
		size_t depth = 0, start = i;
		for (; i < s->len; i++) {
			c = s->b[i];
			if (c == '"') {
				size_t e;
				if (!scan_string(s, i, &e, &esc))
					return false;
				i = e - 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0) {
					*end = i + 1;
					return true;
				}
			}
		}
		return fail_at(s, start,
			       c == '{' ? "an unterminated object" : "an unterminated array");
	}
	size_t start = i;
	while (i < s->len && !is_delim(s->b[i]))
		i++;
	if (i == start)
		return fail_at(s, i, "an unexpected character");
	*end = i;
	return true;
}

/* cJSON of exactly the slice [i, end), or NULL. */
static cJSON *parse_slice(const scan *s, size_t i, size_t end)
{
	const char *stop = NULL;
	cJSON *v = cwp_json_parse_opts(s->b + i, end - i, &stop, false);
	if (v && stop != s->b + end) {
		cJSON_Delete(v); /* cJSON stopped early: trailing bytes in the slice */
		v = NULL;
	}
	return v;
}

/* A growable buffer for member names. */
typedef struct namebuf {
	char *p;
	size_t cap;
} namebuf;

/* The decoded member name of the string at [i, end). */
static int decode_name(const scan *s, size_t i, size_t end, bool escaped, namebuf *nb,
		       const char **out)
{
	const char *src = s->b + i + 1;
	size_t n = end - i - 2;
	cJSON *str = NULL;

	if (escaped) {
		str = parse_slice(s, i, end);
		if (!cJSON_IsString(str) || !str->valuestring) {
			cJSON_Delete(str);
			return CWP_EPARSE;
		}
		src = str->valuestring;
		n = strlen(src);
	}
	if (n + 1 > nb->cap) {
		size_t cap = nb->cap ? nb->cap : 64;
		while (cap < n + 1)
			cap *= 2;
		char *p = realloc(nb->p, cap);
		if (!p) {
			cJSON_Delete(str);
			return CWP_ENOMEM;
		}
		nb->p = p;
		nb->cap = cap;
	}
	memcpy(nb->p, src, n);
	nb->p[n] = '\0';
	cJSON_Delete(str);
	*out = nb->p;
	return CWP_OK;
}

/* ---- Reading a whole text --------------------------------------------- */

typedef struct mapping {
	char *base;
	size_t len;
	size_t released; /* bytes at the start already given back (page-aligned) */
} mapping;

/* Give the pages before off back: they are read, and RSS should track the
 * index, not the file. */
static void release_pages(mapping *map, size_t off)
{
	if (!map || off - map->released < RELEASE_STEP)
		return;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = off / page * page;
	if (upto > map->released) {
		madvise(map->base + map->released, upto - map->released, MADV_DONTNEED);
		map->released = upto;
	}
}

typedef struct reader {
	cwp_index *idx;
	cwp_warnings *w;
	scan s;
	src_loc loc;
	mapping *map;
	namebuf names;
} reader;

static int syntax_error(reader *r)
{
	r->loc.off = r->s.err_off;
	size_t line = loc_line(&r->loc);
	return cwp_error_set(CWP_EPARSE, "%s:%zu: not JSON: %s at byte %zu", r->loc.name, line,
			     r->s.err ? r->s.err : "invalid JSON", r->s.err_off);
}

static int value_error(reader *r, size_t off, const char *what)
{
	r->loc.off = off;
	size_t line = loc_line(&r->loc);
	return cwp_error_set(CWP_EPARSE, "%s:%zu: not JSON: invalid %s at byte %zu", r->loc.name,
			     line, what, off);
}

/* The JSON-lines form: a first member named like a record field is a record,
 * not an index key (canonical keys contain ':' or '|'). */
static bool is_record_field(const char *name)
{
	return field_of(name) >= 0;
}

/* One record value at [i, end) under key (NULL for JSON lines). */
static int read_record(reader *r, const char *key, size_t i, size_t end)
{
	cJSON *v = parse_slice(&r->s, i, end);
	int rc;

	if (!v)
		return value_error(r, i, key ? "record value" : "line");
	r->loc.off = i;
	rc = put_record(r->idx, key, v, r->w, &r->loc);
	cJSON_Delete(v);
	if (rc == CWP_EINVAL)
		rc = CWP_OK; /* dropped with a warning: the file goes on */
	release_pages(r->map, end);
	return rc;
}

/* JSON lines from offset i: one record object after another. */
static int read_lines(reader *r, size_t i)
{
	int rc;
	for (;;) {
		size_t end;
		i = skip_ws(&r->s, i);
		if (i >= r->s.len)
			return CWP_OK;
		if (!scan_value(&r->s, i, &end))
			return syntax_error(r);
		if ((rc = read_record(r, NULL, i, end)) != CWP_OK)
			return rc;
		i = end;
	}
}

/* The object form from the '{' at i, member by member. */
static int read_object(reader *r, size_t i)
{
	size_t members = 0, start = i;
	int rc;

	i = skip_ws(&r->s, i + 1);
	if (i < r->s.len && r->s.b[i] == '}') {
		i = skip_ws(&r->s, i + 1);
		/* "{}" then more: JSON lines whose first record is empty */
		return i < r->s.len ? read_lines(r, start) : CWP_OK;
	}
	for (;;) {
		size_t end, vend;
		bool esc = false;
		const char *key;

		if (i >= r->s.len || r->s.b[i] != '"') {
			fail_at(&r->s, i,
				members ? "a missing member name after ','"
					: "a missing member name");
			return syntax_error(r);
		}
		if (!scan_string(&r->s, i, &end, &esc))
			return syntax_error(r);
		if ((rc = decode_name(&r->s, i, end, esc, &r->names, &key)) != CWP_OK)
			return rc == CWP_ENOMEM ? cwp_error_set(rc, "index: out of memory")
						: value_error(r, i, "member name");
		i = skip_ws(&r->s, end);
		if (i >= r->s.len || r->s.b[i] != ':') {
			fail_at(&r->s, i, "a missing ':' after a member name");
			return syntax_error(r);
		}
		i = skip_ws(&r->s, i + 1);
		if (!scan_value(&r->s, i, &vend))
			return syntax_error(r);
		if ((rc = read_record(r, key, i, vend)) != CWP_OK)
			return rc;
		members++;
		i = skip_ws(&r->s, vend);
		if (i < r->s.len && r->s.b[i] == ',') {
			i = skip_ws(&r->s, i + 1);
			continue;
		}
		if (i < r->s.len && r->s.b[i] == '}')
			break;
		fail_at(&r->s, i,
			i < r->s.len ? "a missing ',' or '}' after a member"
				     : "the end of the input inside the index object");
		return syntax_error(r);
	}
	i = skip_ws(&r->s, i + 1);
	if (i < r->s.len) {
		fail_at(&r->s, i, "content after the index object");
		return syntax_error(r);
	}
	return CWP_OK;
}

static const char *json_type_name(const cJSON *v)
{
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	return "not an object";
}

/* The top level is not an object: say whether it is JSON at all. */
static int not_an_index(reader *r, size_t i)
{
	size_t end;
	if (!scan_value(&r->s, i, &end))
		return syntax_error(r);
	cJSON *v = parse_slice(&r->s, i, end);
	if (!v)
		return value_error(r, i, "value");
	const char *what = json_type_name(v);
	cJSON_Delete(v);
	return cwp_error_set(CWP_EPARSE,
			     "%s: not an index: the top-level value is %s; expected an object "
			     "of records keyed by canonical key, or JSON lines of record objects",
			     r->loc.name, what);
}

/* Which form: is the object at i a record (JSON lines) rather than an index
 * (object form)? A record's first member is named like a record field and
 * holds a scalar, or it is ids/show_ids holding an object of provider ids.
 * An index member holds a record object, whatever its key ("episode" and
 * "ids" are possible keys): for ids/show_ids the object is a record when it
 * has a "type" member. */
static bool first_is_record(reader *r, size_t i)
{
	size_t j = skip_ws(&r->s, i + 1), end, vend;
	bool esc = false, record = true;
	const char *first;
	scan s = r->s; /* probing: leave no error behind */

	if (j >= s.len || s.b[j] != '"' || !scan_string(&s, j, &end, &esc) ||
	    decode_name(&s, j, end, esc, &r->names, &first) != CWP_OK || !is_record_field(first))
		return false;
	bool ids = strcmp(first, "ids") == 0 || strcmp(first, "show_ids") == 0;
	j = skip_ws(&s, end);
	if (j >= s.len || s.b[j] != ':')
		return true; /* malformed either way; JSON lines report it by line */
	j = skip_ws(&s, j + 1);
	if (j >= s.len || s.b[j] != '{')
		return true; /* a scalar or array: a record field's value */
	if (!ids)
		return false; /* only ids/show_ids hold objects in a record */
	if (scan_value(&s, j, &vend)) {
		cJSON *v = parse_slice(&s, j, vend);
		if (cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "type"))
			record = false; /* {"ids": {"type": ...}}: an index keyed "ids" */
		cJSON_Delete(v);
	}
	return record;
}

static int read_text(cwp_index *idx, const char *b, size_t len, cwp_warnings *w, const char *name,
		     mapping *map)
{
	reader r = {idx, w, {b, len, NULL, 0}, {name, b, 0, 0, 1}, map, {NULL, 0}};
	size_t i = 0;
	int rc;

	if (len >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
		i = 3; /* a UTF-8 byte order mark */
	i = skip_ws(&r.s, i);
	if (i >= len) {
		rc = CWP_OK; /* JSON lines without a line: an empty index */
		goto done;
	}
	if (b[i] != '{') {
		rc = not_an_index(&r, i);
		goto done;
	}
	rc = first_is_record(&r, i) ? read_lines(&r, i) : read_object(&r, i);
done:
	free(r.names.p);
	return rc;
}

int cwp_index_parse(cwp_index **out, const char *buf, size_t len, cwp_warnings *w)
{
	cwp_index *idx = NULL;
	int rc;

	if (!out)
		return cwp_error_set(CWP_EINVAL, "cwp_index_parse: no output pointer");
	*out = NULL;
	if (!buf && len)
		return cwp_error_set(CWP_EINVAL, "cwp_index_parse: no buffer");
	if ((rc = cwp_index_new(&idx)) != CWP_OK)
		return rc;
	if ((rc = read_text(idx, buf ? buf : "", len, w, "index JSON", NULL)) != CWP_OK) {
		cwp_index_free(idx);
		return rc;
	}
	*out = idx;
	return CWP_OK;
}

/* Whole content of a non-regular file (a pipe, /dev/stdin). */
static int read_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 1 << 16, len = 0;
	char *p = malloc(cap);
	if (!p)
		return CWP_ENOMEM;
	for (;;) {
		if (len == cap) {
			char *q = cap <= SIZE_MAX / 2 ? realloc(p, cap * 2) : NULL;
			if (!q) {
				free(p);
				return CWP_ENOMEM;
			}
			p = q;
			cap *= 2;
		}
		ssize_t n = read(fd, p + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(p);
			return CWP_EIO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = p;
	*outlen = len;
	return CWP_OK;
}

int cwp_index_load(cwp_index **out, const char *path, cwp_warnings *w)
{
	cwp_index *idx = NULL;
	mapping map = {NULL, 0, 0};
	char *copy = NULL;
	size_t len = 0;
	int fd = -1, rc;
	struct stat st;

	if (!out || !path)
		return cwp_error_set(CWP_EINVAL, "cwp_index_load: no output pointer or path");
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		rc = cwp_error_set(e == ENOENT ? CWP_ENOTFOUND : CWP_EIO, "%s: cannot open: %s",
				   path, strerror(e));
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		rc = cwp_error_set(CWP_EIO, "%s: cannot stat: %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = cwp_error_set(CWP_EIO, "%s: is a directory, not an index file", path);
		goto done;
	}
	if ((rc = cwp_index_new(&idx)) != CWP_OK)
		goto done;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > SIZE_MAX) {
			rc = cwp_error_set(CWP_ETOOBIG, "%s: too large to map", path);
			goto done;
		}
		map.len = (size_t)st.st_size;
		void *p = mmap(NULL, map.len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			rc = cwp_error_set(CWP_EIO, "%s: cannot map: %s", path, strerror(errno));
			goto done;
		}
		map.base = p;
		madvise(map.base, map.len, MADV_SEQUENTIAL);
		rc = read_text(idx, map.base, map.len, w, path, &map);
	} else if (S_ISREG(st.st_mode)) {
		rc = read_text(idx, "", 0, w, path, NULL);
	} else {
		if ((rc = read_all(fd, &copy, &len)) != CWP_OK) {
			rc = cwp_error_set(rc, "%s: cannot read: %s", path,
					   rc == CWP_ENOMEM ? "out of memory" : strerror(errno));
			goto done;
		}
		rc = read_text(idx, copy, len, w, path, NULL);
	}
done:
	if (map.base)
		munmap(map.base, map.len);
	free(copy);
	if (fd >= 0)
		close(fd);
	if (rc != CWP_OK) {
		cwp_index_free(idx);
		return rc;
	}
	*out = idx;
	return CWP_OK;
}

/* ---- Writing ---------------------------------------------------------- */

int cwp_index_write(const cwp_index *idx, FILE *f, unsigned flags)
{
	cwp__jbuf b = {NULL, 0, 0, false};
	bool jsonl = (flags & CWP_INDEX_JSONL) != 0;
	size_t n = cwp_index_size(idx);
	int rc = CWP_OK;

	if (!idx || !f)
		return cwp_error_set(CWP_EINVAL, "cwp_index_write: no index or stream");
	if (!jsonl && n == 0) {
		if (fputs("{}\n", f) == EOF)
			rc = cwp_error_set(CWP_EIO, "index: write failed");
		return rc;
	}
	if (!jsonl && fputs("{\n", f) == EOF)
		goto io;
	for (size_t i = 0; i < n; i++) {
		const cwp_record *r = cwp_index_at(idx, i);
		const char *const *ids = NULL;
		if (!r) {
			rc = cwp_error_set(CWP_ENOMEM, "index: out of memory");
			goto done;
		}
		size_t n_ids = cwp_index_item_ids(idx, r->key, &ids);
		b.len = 0;
		if (jsonl) {
			cwp__jb_lit(&b, "{\"key\":");
			cwp__jb_string(&b, r->key);
			cwp__jb_put(&b, ",", 1);
			cwp__jb_record(&b, r, ids, n_ids, 0);
			cwp__jb_put(&b, "\n", 1);
		} else {
			cwp__jb_lit(&b, "  ");
			cwp__jb_string(&b, r->key);
			cwp__jb_lit(&b, ": {");
			cwp__jb_record(&b, r, ids, n_ids, 0);
			cwp__jb_lit(&b, i + 1 < n ? ",\n" : "\n");
		}
		if (b.oom) {
			rc = cwp_error_set(CWP_ENOMEM, "index: out of memory");
			goto done;
		}
		if (fwrite(b.p, 1, b.len, f) != b.len)
			goto io;
	}
	if (!jsonl && fputs("}\n", f) == EOF)
		goto io;
	if (ferror(f))
		goto io;
	goto done;
io:
	rc = cwp_error_set(CWP_EIO, "index: write failed: %s", strerror(errno));
done:
	free(b.p);
	return rc;
}

/* ---- cJSON form of one record ----------------------------------------- */

static bool add_int(cJSON *o, const char *name, bool has, int64_t v)
{
	cJSON *n;
	if (!has) {
		n = cJSON_CreateNull();
	} else if (v > (int64_t)MAX_EXACT_DOUBLE) {
		char buf[24];
		cwp__fmt_u64(buf, (uint64_t)v);
		n = cJSON_CreateString(buf);
	} else {
		n = cJSON_CreateNumber((double)v);
	}
	return n && cJSON_AddItemToObject(o, name, n);
}

static bool add_ids(cJSON *o, const char *name, const char *const ids[CWP_ID_COUNT])
{
	cJSON *m = cJSON_AddObjectToObject(o, name);
	if (!m)
		return false;
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (ids[k] && ids[k][0] &&
		    !cJSON_AddStringToObject(m, cwp_id_name((cwp_id_kind)k), ids[k]))
			return false;
	}
	return true;
}

static bool add_str(cJSON *o, const char *name, const char *s)
{
	return s ? cJSON_AddStringToObject(o, name, s) != NULL
		 : cJSON_AddNullToObject(o, name) != NULL;
}

cJSON *cwp_record_to_json(const cwp_record *r)
{
	char ts[CWP_TIME_BUFSZ];
	cJSON *o;

	if (!r || !(o = cJSON_CreateObject()))
		return NULL;
	bool has_at =
	    r->has_progress_at && cwp_time_format(ts, sizeof(ts), r->progress_at) == CWP_OK;
	bool pct_ok = r->has_progress_percent && isfinite(r->progress_percent);
	if (!add_str(o, "type", r->type == CWP_TYPE_EPISODE ? "episode" : "movie") ||
	    !add_str(o, "title", r->title) || !add_int(o, "year", r->has_year, r->year) ||
	    !add_ids(o, "ids", r->ids) || !add_ids(o, "show_ids", r->show_ids) ||
	    !add_int(o, "season", r->has_season, r->season) ||
	    !add_int(o, "episode", r->has_episode, r->episode) ||
	    !add_int(o, "progress_ms", r->has_progress_ms, r->progress_ms) ||
	    !add_int(o, "duration_ms", r->has_duration_ms, r->duration_ms) ||
	    !(pct_ok ? cJSON_AddNumberToObject(o, "progress_percent", r->progress_percent)
		     : cJSON_AddNullToObject(o, "progress_percent")) ||
	    !add_str(o, "progress_at", has_at ? ts : NULL) ||
	    !(r->has_played ? cJSON_AddBoolToObject(o, "played", r->played)
			    : cJSON_AddNullToObject(o, "played")) ||
	    !add_str(o, "item_id", r->item_id)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
