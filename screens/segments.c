/* The segments of the data folder, with member counts and fields. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "screens/app.h"
#include "screens/screens.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"

#define SEG_DETAIL_ROWS	6

struct segs {
	struct ui_screen	 base;
	struct app		*app;
	struct ui_list		 list;
};

/* "a, b, c" of a segment's fields, malloc'd. */
static char *
field_names(const struct segment *sg)
{
	char	*s = xstrdup(""), *t;
	size_t	 i;

	for (i = 0; i < sg->nfields; i++) {
		t = xasprintf("%s%s%s", s, i > 0 ? ", " : "", sg->fields[i]);
		free(s);
		s = t;
	}
	return s;
}

static void
segs_fill(struct segs *g)
{
	const struct segment	*sg;
	const char		*cells[3];
	char			 count[32], *fields;
	size_t			 i;

	ui_list_clear(&g->list);
	for (i = 0; g->app->segs != NULL && i < g->app->segs->n; i++) {
		sg = &g->app->segs->v[i];
		fields = sg->usable ? field_names(sg) : xstrdup(_("cannot be "
		    "used (see below)"));
		cells[0] = sg->name;
		cells[1] = sg->usable ? ui_text_count(sg->members, count,
		    sizeof count) : "-";
		cells[2] = fields;
		ui_list_add(&g->list, cells, (void *)sg);
		free(fields);
	}
}

static const char *
segs_title(struct ui_screen *s)
{
	(void)s;
	return _("Segments");
}

static void
segs_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct segs		*g = (struct segs *)s;
	const struct segment	*sg;
	char			*text, *fields, *dir, count[32];
	int			 lh;

	(void)ui;
	dir = workspace_data_dir(g->app->ws);
	text = xasprintf(_("Each CSV file in %s is a segment: its header row "
	    "names the fields, each other row is one customer profile."),
	    dir);
	lh = ui_draw_wrap((struct ui_rect){ r.x + 2, r.y, r.w - 3, 2 },
	    UI_A_NORMAL, text);
	free(text);
	free(dir);
	r.y += lh + 1;
	r.h -= lh + 1;
	if (g->app->segs_error != NULL) {
		ui_draw_wrap((struct ui_rect){ r.x + 2, r.y, r.w - 3, r.h },
		    UI_A_ERROR, g->app->segs_error);
		return;
	}
	ui_list_draw(&g->list, (struct ui_rect){ r.x, r.y, r.w,
	    r.h - SEG_DETAIL_ROWS }, 1);
	sg = ui_list_selected(&g->list);
	if (sg == NULL)
		return;
	r.y += r.h - SEG_DETAIL_ROWS + 1;
	if (!sg->usable) {
		text = xasprintf(_("\"%s\" cannot be used: %s"), sg->name,
		    sg->error != NULL ? sg->error : "?");
		ui_draw_wrap((struct ui_rect){ r.x + 2, r.y, r.w - 3,
		    SEG_DETAIL_ROWS - 1 }, UI_A_ERROR, text);
		free(text);
		return;
	}
	fields = field_names(sg);
	text = xasprintf(_("\"%s\": %s members, from %s\nFields: %s"),
	    sg->name, ui_text_count(sg->members, count, sizeof count),
	    sg->file, fields);
	ui_draw_wrap((struct ui_rect){ r.x + 2, r.y, r.w - 3,
	    SEG_DETAIL_ROWS - 1 }, UI_A_DIM, text);
	free(text);
	free(fields);
}

static int
segs_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct segs	*g = (struct segs *)s;

	(void)ui;
	if (key == UI_KEY_TAB)
		key = UI_KEY_DOWN;
	else if (key == UI_KEY_BTAB)
		key = UI_KEY_UP;
	if (g->list.searching || key != UI_KEY_ESC)
		return ui_list_key(&g->list, key) != UI_W_IGNORED ||
		    key == UI_KEY_UP || key == UI_KEY_DOWN;
	return 0;
}

static size_t
segs_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct segs	*g = (struct segs *)s;
	size_t		 n = 0;

	if (max < 3)
		return 0;
	if (g->list.searching) {
		h[n++] = (struct ui_hint){ "Down", _("next match") };
		h[n++] = (struct ui_hint){ "Enter", _("done") };
		return n;
	}
	h[n++] = (struct ui_hint){ "Up/Down", _("move") };
	h[n++] = (struct ui_hint){ "/", _("search") };
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
segs_help(struct ui_screen *s)
{
	(void)s;
	return _("The segments segsync can export: one per CSV file of the "
	    "data folder, named after the file. The member count is the number "
	    "of profile rows. A file that cannot be read, or whose header is "
	    "missing or names a field twice, is listed with the reason and "
	    "cannot be exported until it is fixed. Press / and type to find "
	    "a segment.");
}

static void
segs_resume(struct ui_screen *s, struct ui *ui)
{
	struct segs	*g = (struct segs *)s;

	(void)ui;
	app_reload(g->app);
	segs_fill(g);
}

static void
segs_free(struct ui_screen *s)
{
	struct segs	*g = (struct segs *)s;

	ui_list_free(&g->list);
	free(g);
}

static const struct ui_screen_ops segs_ops = {
	.name = "segments",
	.title = segs_title,
	.draw = segs_draw,
	.key = segs_key,
	.hints = segs_hints,
	.help = segs_help,
	.resume = segs_resume,
	.free = segs_free,
};

struct ui_screen *
segments_new(struct app *app)
{
	struct segs	*g;

	g = xcalloc(1, sizeof *g);
	g->base.ops = &segs_ops;
	g->app = app;
	ui_list_init(&g->list, UI_LIST_TABLE, 3);
	ui_list_column(&g->list, 0, _("NAME"), 16, 2);
	ui_list_column(&g->list, 1, _("MEMBERS"), 9, 0);
	ui_list_column(&g->list, 2, _("FIELDS"), 16, 3);
	ui_list_fit(&g->list, 1);
	ui_list_middle(&g->list, 0);
	g->list.empty = _("There is no segment yet: put CSV files in the "
	    "segments folder.");
	segs_fill(g);
	return &g->base;
}
