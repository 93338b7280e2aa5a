/*
 * Runs: the history of export runs. The run engine (src/run.c, runs/
 * with summary.json and progress) comes with its own issue; until then
 * this screen lists the run folders it finds and says how runs will come.
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "screens/app.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "xmalloc.h"

struct runs {
	struct ui_screen	 base;
	struct app		*app;
	struct ui_list		 list;
};

static void
runs_fill(struct runs *r)
{
	struct dirent	*de;
	const char	*cells[1];
	char		*dir;
	DIR		*d;

	ui_list_clear(&r->list);
	dir = workspace_path(r->app->ws, "runs");
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			cells[0] = de->d_name;
			ui_list_add(&r->list, cells, NULL);
		}
		closedir(d);
	}
	free(dir);
}

static const char *
runs_title(struct ui_screen *s)
{
	(void)s;
	return _("Runs");
}

static void
runs_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct runs	*rs = (struct runs *)s;
	int		 h;

	(void)ui;
	h = ui_draw_wrap((struct ui_rect){ r.x + 2, r.y, r.w - 3, 6 },
	    UI_A_NORMAL, _("Every run of an export leaves a record here: when, "
	    "who started it, how many profiles were read, sent, accepted and "
	    "rejected, why, and how it ended. Running exports (on demand, and "
	    "on scheduled refresh) comes with the run engine in a later "
	    "version of segsync; saved exports are ready for it."));
	ui_list_draw(&rs->list, (struct ui_rect){ r.x, r.y + h + 1, r.w,
	    r.h - h - 1 }, 1);
}

static int
runs_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct runs	*rs = (struct runs *)s;

	(void)ui;
	if (key == UI_KEY_ESC && !rs->list.searching)
		return 0;
	return ui_list_key(&rs->list, key) != UI_W_IGNORED;
}

static size_t
runs_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	(void)s;
	if (max < 1)
		return 0;
	h[0] = (struct ui_hint){ "Esc", _("back") };
	return 1;
}

static void
runs_free(struct ui_screen *s)
{
	struct runs	*rs = (struct runs *)s;

	ui_list_free(&rs->list);
	free(rs);
}

static const struct ui_screen_ops runs_ops = {
	.name = "runs",
	.title = runs_title,
	.draw = runs_draw,
	.key = runs_key,
	.hints = runs_hints,
	.free = runs_free,
};

struct ui_screen *
runs_new(struct app *app)
{
	struct runs	*r;

	r = xcalloc(1, sizeof *r);
	r->base.ops = &runs_ops;
	r->app = app;
	ui_list_init(&r->list, UI_LIST_TABLE, 1);
	ui_list_column(&r->list, 0, _("RUN"), 10, 1);
	r->list.empty = _("No export has run yet.");
	runs_fill(r);
	return &r->base;
}
