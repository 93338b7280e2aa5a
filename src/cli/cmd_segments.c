/* segsync segments: the segments of the data folder. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/columns.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "data/segments.h"
#include "store/workspace.h"

/*
 * The member-count cache lives in the workspace (cache/segments.json), so
 * that listing a folder of large files is instant the second time.
 */
static char *
cache_path(const struct workspace *ws)
{
	char	*dir, *path, *cause = NULL;

	dir = workspace_path(ws, "cache");
	if (fileio_mkdir(dir, workspace_dir_mode(ws), workspace_gid(ws),
	    &cause) == -1) {
		/* Without a cache the listing is only slower. */
		free(cause);
		free(dir);
		return NULL;
	}
	path = workspace_path(ws, "cache/segments.json");
	free(dir);
	return path;
}

enum exit_status
cmd_segments(struct cli_ctx *ctx)
{
	struct workspace	*ws;
	const struct ws_member	*me;
	struct segment_list	*l = NULL;
	const struct segment	*sg;
	char			*dir, *cache, *cause = NULL;
	size_t			 i, j, usable = 0;
	enum exit_status	 rc;

	rc = cli_open_workspace(ctx, &ws, &me);
	if (rc != EXIT_OK)
		return rc;
	dir = workspace_data_dir(ws);
	cache = cache_path(ws);
	if (segments_list_mode(dir, cache, workspace_file_mode(ws),
	    workspace_gid(ws), &l, &cause) == -1) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_CONFIG;
		goto out;
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i].usable)
			usable++;
	/* A segment that cannot be used is a data error, in both forms. */
	if (usable < l->n)
		rc = EXIT_CONFIG;
	if (ctx->json) {
		cli_print_json(segments_to_json(l));
		goto out;
	}
	if (l->n == 0) {
		printf(_("No segments in %s: each *.csv file there is one "
		    "segment.\n"), cli_str(dir));
		goto out;
	}
	/* TRANSLATORS: column headings of 'segsync segments'. */
	columns_pad(stdout, _("SEGMENT"), 28, 0);
	putchar(' ');
	columns_pad(stdout, _("MEMBERS"), 10, 1);
	printf("  %s\n", _("FIELDS"));
	for (i = 0; i < l->n; i++) {
		sg = &l->v[i];
		columns_pad(stdout, cli_str(sg->name), 28, 0);
		if (!sg->usable) {
			printf(" %10s  ", "-");
			printf(_("unusable: %s\n"), cli_str(sg->error));
			continue;
		}
		printf(" %10llu  ", sg->members);
		for (j = 0; j < sg->nfields; j++)
			printf("%s%s", j == 0 ? "" : ", ",
			    cli_str(sg->fields[j]));
		putchar('\n');
	}
out:
	segments_free(&l);
	free(cache);
	free(dir);
	workspace_free(&ws);
	return rc;
}
