/* Embedding the sync engine: two Emby servers, one run, the summary.
 *
 *   sync_example SRC_URL SRC_USER DST_URL DST_USER JOURNAL
 *   (tokens in $EXAMPLE_SRC_TOKEN and $EXAMPLE_DST_TOKEN)
 *
 * Build against the installed libraries: cwprogress::cwp_sync and
 * emby_client (or `pkg-config cwprogress`). */
#include <stdio.h>
#include <stdlib.h>

#include "cwp/sync.h"
#include "emby/provider.h"

static int show_progress(void *payload, const cwp_sync_progress *p)
{
	(void)payload;
	if (p->phase != CWP_SYNC_PH_WRITE)
		fprintf(stderr, "phase: %s\n", cwp_sync_phase_name((int)p->phase));
	return 0; /* < 0 would cancel: no new write starts */
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: sync_example SRC_URL SRC_USER DST_URL DST_USER JOURNAL\n");
		return 2;
	}
	const char *tokens[2] = {getenv("EXAMPLE_SRC_TOKEN"), getenv("EXAMPLE_DST_TOKEN")};
	emby_client *client[2] = {NULL, NULL};
	cwp_sync_provider side[2];
	for (int s = 0; s < 2; s++) {
		emby_options eo = EMBY_OPTIONS_INIT;
		eo.base_url = argv[1 + 2 * s];
		eo.user_id = argv[2 + 2 * s];
		eo.token = tokens[s];
		if (emby_client_new(&client[s], &eo) != 0 ||
		    emby_provider_init(&side[s], client[s]) != 0) {
			fprintf(stderr, "sync_example: %s\n", cwp_error_last());
			return 2;
		}
	}
	cwp_sync_options opts;
	cwp_sync_options_init(&opts, CWP_SYNC_OPTIONS_VERSION);
	opts.config.remove = true;   /* SPEC §3: the pair's features.progress */
	opts.journal_path = argv[5]; /* previous states, for undo (APPLY-09) */
	opts.progress = show_progress;

	cwp_sync_result *res = NULL;
	if (cwp_sync_run(&res, &side[0], &side[1], &opts) != 0) {
		fprintf(stderr, "sync_example: %s\n", cwp_error_last());
		return 2;
	}
	const cwp_sync_summary *sum = cwp_sync_result_summary(res);
	printf("outcome %d: %zu keys, %zu upserts, %zu clears, %zu skipped, %zu written, "
	       "%zu failed\n",
	       (int)sum->outcome, sum->keys, sum->upserts, sum->clears, sum->skips, sum->written,
	       sum->failed);
	for (size_t i = 0; i < cwp_sync_result_rows(res); i++) {
		const cwp_sync_row *row = cwp_sync_result_row(res, i);
		if (row->status == CWP_SYNC_ROW_WRITTEN)
			printf("  written %s -> item %s\n", row->key, row->item_id);
	}
	int rc = (int)sum->outcome;
	cwp_sync_result_free(res);
	emby_client_free(client[0]);
	emby_client_free(client[1]);
	return rc;
}
