/* SortBy/SortOrder of the item query: the keys Emby sorts on, read from the
 * fixture's items and each user's UserData cache (callers hold m->mu). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct entry {
	size_t idx;
	const mock_emby__sort_spec *spec;
	int64_t ik[4];
	bool has[4];
	const char *sk[4];
} entry;

static int cmp_entry(const void *pa, const void *pb)
{
	const entry *a = pa, *b = pb;
	for (size_t k = 0; k < a->spec->n; k++) {
		int c = 0;
		if (a->spec->key[k] == MOCK_EMBY__SK_NAME) {
			const char *x = a->sk[k], *y = b->sk[k];
			c = !x || !y ? (x != NULL) - (y != NULL) : strcasecmp(x, y);
		} else if (a->has[k] != b->has[k]) {
			c = a->has[k] ? 1 : -1; /* unknown first when ascending */
		} else if (a->has[k]) {
			c = a->ik[k] < b->ik[k] ? -1 : a->ik[k] > b->ik[k];
		}
		if (c)
			return a->spec->desc[k] ? -c : c;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void fill_keys(entry *e, const mock_emby__item *it, const mock_emby__user *u)
{
	const mock_emby__udc *c = mock_emby__udc_of(u, it);
	for (size_t k = 0; k < e->spec->n; k++) {
		switch (e->spec->key[k]) {
		case MOCK_EMBY__SK_DATE_PLAYED:
			e->has[k] = c->has_last_played, e->ik[k] = c->last_played;
			break;
		case MOCK_EMBY__SK_NAME:
			e->sk[k] = it->sort_name;
			break;
		case MOCK_EMBY__SK_DATE_CREATED:
			e->has[k] = it->has_date_created, e->ik[k] = it->date_created;
			break;
		case MOCK_EMBY__SK_PREMIERE:
			e->has[k] = it->has_premiere_date, e->ik[k] = it->premiere_date;
			break;
		case MOCK_EMBY__SK_YEAR:
			e->has[k] = it->has_year, e->ik[k] = it->year;
			break;
		case MOCK_EMBY__SK_RUNTIME:
			e->has[k] = it->has_runtime, e->ik[k] = it->runtime;
			break;
		case MOCK_EMBY__SK_PLAY_COUNT:
			e->has[k] = true, e->ik[k] = c->play_count;
			break;
		case MOCK_EMBY__SK_EPISODE:
			/* season, then episode; a missing number sorts last */
			e->has[k] = true;
			e->ik[k] = (it->has_season_no ? (int64_t)it->season_no : INT64_C(1) << 31) *
				       (INT64_C(1) << 32) +
				   (it->has_episode_no ? it->episode_no : INT64_C(1) << 31);
			break;
		}
	}
}

void mock_emby__sort_parse(mock_emby__sort_spec *s, const mock_emby__list *by,
			   const mock_emby__list *order)
{
	static const struct {
		const char *name;
		enum mock_emby__sort_key key;
	} names[] = {{"DatePlayed", MOCK_EMBY__SK_DATE_PLAYED},
		     {"SortName", MOCK_EMBY__SK_NAME},
		     {"Name", MOCK_EMBY__SK_NAME},
		     {"DateCreated", MOCK_EMBY__SK_DATE_CREATED},
		     {"PremiereDate", MOCK_EMBY__SK_PREMIERE},
		     {"ProductionYear", MOCK_EMBY__SK_YEAR},
		     {"Runtime", MOCK_EMBY__SK_RUNTIME},
		     {"PlayCount", MOCK_EMBY__SK_PLAY_COUNT},
		     {"DateLastContentAdded", MOCK_EMBY__SK_DATE_CREATED}};
	for (size_t i = 0; i < by->n && s->n < 4; i++) {
		for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) {
			if (!mock_emby__ieq(by->v[i], names[j].name))
				continue;
			const char *o = order->n ? order->v[i < order->n ? i : order->n - 1] : NULL;
			s->key[s->n] = names[j].key;
			s->desc[s->n] = o && mock_emby__ieq(o, "Descending");
			s->n++;
			break;
		}
	}
}

int mock_emby__sort_hits(const mock_emby *m, const mock_emby__sort_spec *spec,
			 const mock_emby__user *u, size_t *v, size_t n)
{
	entry *ents = calloc(n ? n : 1, sizeof *ents);
	if (!ents)
		return -1;
	for (size_t i = 0; i < n; i++) {
		ents[i].idx = v[i];
		ents[i].spec = spec;
		fill_keys(&ents[i], &m->items[v[i]], u);
	}
	qsort(ents, n, sizeof *ents, cmp_entry);
	for (size_t i = 0; i < n; i++)
		v[i] = ents[i].idx;
	free(ents);
	return 0;
}
