/*
 * The record of changes (store/activity.h), newest first: when, who and
 * what, the selected change in full below, filtered by object with f.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "screens/app.h"
#include "screens/screens.h"
#include "store/activity.h"
#include "ui/text.h"
#include "ui/ui.h"
#include "ui/widget.h"

#define ACT_DETAIL_ROWS	5

/* What f cycles through: every object, then one kind at a time. */
static const struct {
	const char	*object;	/* NULL: all */
	const char	*label;
} act_filters[] = {
	{ NULL, N_("every change") },
	{ ACTIVITY_EXPORT, N_("exports") },
	{ ACTIVITY_CONNECTION, N_("connections") },
	{ ACTIVITY_RUN, N_("runs started and cancelled") },
	{ ACTIVITY_MEMBER, N_("members") },
	{ ACTIVITY_KEY, N_("key files") },
};
#define ACT_NFILTERS	(sizeof act_filters / sizeof act_filters[0])

struct act {
	struct ui_screen	 base;
	struct app		*app;
	struct ui_list		 list;
	cJSON			*entries;	/* shown, newest first */
	size_t			 filter;
	size_t			 skipped;
	char			*error;
	char			*title;
};

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
act_fill(struct act *a)
{
	struct activity_filter	 f;
	const cJSON		*e;
	cJSON			*all = NULL, *item;
	const char		*cells[3];
	char			*text;
	int			 i;

	cJSON_Delete(a->entries);
	a->entries = cJSON_CreateArray();
	xfree(&a->error);
	ui_list_clear(&a->list);
	memset(&f, 0, sizeof f);
	f.object = act_filters[a->filter].object;
	if (activity_read(a->app->ws, &f, &all, &a->skipped, &a->error) == -1)
		return;
	for (i = cJSON_GetArraySize(all) - 1; i >= 0; i--) {
		e = cJSON_GetArrayItem(all, i);
		if (!activity_visible(a->app->admin, &a->app->conns,
		    &a->app->exports, e))
			continue;
		item = cJSON_Duplicate(e, 1);
		cJSON_AddItemToArray(a->entries, item);
		text = activity_text(item);
		cells[0] = app_date(jstr(item, "at"));
		cells[1] = jstr(item, "by");
		cells[2] = text;
		ui_list_add(&a->list, cells, item);
		free(text);
	}
	cJSON_Delete(all);
}

static const char *
act_title(struct ui_screen *s)
{
	struct act	*a = (struct act *)s;

	free(a->title);
	a->title = a->filter == 0 ? xstrdup(_("Activity")) :
	    xasprintf(_("Activity (%s)"), _(act_filters[a->filter].label));
	return a->title;
}

static void
act_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	struct act	*a = (struct act *)s;
	const cJSON	*e;
	char		*text, *line;

	(void)ui;
	if (a->error != NULL) {
		ui_draw_wrap((struct ui_rect){ r.x + 2, r.y + 1, r.w - 3,
		    r.h - 1 }, UI_A_ERROR, a->error);
		return;
	}
	ui_list_draw(&a->list, (struct ui_rect){ r.x, r.y, r.w,
	    r.h - ACT_DETAIL_ROWS }, 1);
	e = ui_list_selected(&a->list);
	if (e == NULL)
		return;
	text = activity_text(e);
	line = xasprintf(_("%1$s, by %2$s: %3$s"), jstr(e, "at"),
	    jstr(e, "by"), text);
	ui_draw_wrap((struct ui_rect){ r.x + 2, r.y + r.h - ACT_DETAIL_ROWS + 1,
	    r.w - 3, ACT_DETAIL_ROWS - 1 }, UI_A_DIM, line);
	free(line);
	free(text);
}

static int
act_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct act	*a = (struct act *)s;

	if (a->list.searching)
		return ui_list_key(&a->list, key) != UI_W_IGNORED;
	if (key == 'f') {
		a->filter = (a->filter + 1) % ACT_NFILTERS;
		act_fill(a);
		ui_dirty(ui, UI_DIRTY_ALL);
		return 1;
	}
	if (key == UI_KEY_TAB)
		key = UI_KEY_DOWN;
	else if (key == UI_KEY_BTAB)
		key = UI_KEY_UP;
	if (key == UI_KEY_ESC)
		return 0;
	return ui_list_key(&a->list, key) != UI_W_IGNORED ||
	    key == UI_KEY_UP || key == UI_KEY_DOWN;
}

static size_t
act_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct act	*a = (struct act *)s;
	size_t		 n = 0;

	if (max < 4)
		return 0;
	if (a->list.searching) {
		h[n++] = (struct ui_hint){ "Down", _("next match") };
		h[n++] = (struct ui_hint){ "Enter", _("done") };
		return n;
	}
	h[n++] = (struct ui_hint){ "Up/Down", _("move") };
	h[n++] = (struct ui_hint){ "f", _("filter") };
	h[n++] = (struct ui_hint){ "/", _("search") };
	h[n++] = (struct ui_hint){ "Esc", _("back") };
	return n;
}

static const char *
act_help(struct ui_screen *s)
{
	(void)s;
	return _("Every change to the workspace, newest first: members and key "
	    "files, connections, exports and their schedules, and every run "
	    "started or cancelled, with who made it and when. A change shows "
	    "the old and new value of each field that is not a secret; a "
	    "secret is only said to be replaced. f shows one kind of object "
	    "at a time; / searches. Contributors see the changes to what they "
	    "may use. 'segsync log' prints the same.");
}

static void
act_resume(struct ui_screen *s, struct ui *ui)
{
	(void)ui;
	act_fill((struct act *)s);
}

static void
act_free(struct ui_screen *s)
{
	struct act	*a = (struct act *)s;

	ui_list_free(&a->list);
	cJSON_Delete(a->entries);
	free(a->error);
	free(a->title);
	free(a);
}

static const struct ui_screen_ops act_ops = {
	.name = "activity",
	.title = act_title,
	.draw = act_draw,
	.key = act_key,
	.hints = act_hints,
	.help = act_help,
	.resume = act_resume,
	.free = act_free,
};

struct ui_screen *
activity_new(struct app *app)
{
	struct act	*a;

	a = xcalloc(1, sizeof *a);
	a->base.ops = &act_ops;
	a->app = app;
	ui_list_init(&a->list, UI_LIST_TABLE, 3);
	ui_list_column(&a->list, 0, _("WHEN"), 16, 0);
	ui_list_column(&a->list, 1, _("WHO"), 10, 1);
	ui_list_column(&a->list, 2, _("WHAT"), 30, 3);
	a->list.empty = _("No change is recorded yet.");
	act_fill(a);
	return &a->base;
}
