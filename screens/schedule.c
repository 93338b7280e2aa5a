/*
 * Schedule one export, or several at once (marked with Space in Exports):
 * off, every refresh, hourly, daily at a time, weekly on a day at a time,
 * in a time zone. With several, the first choice keeps each export's own
 * schedule and the others give them one schedule for all. Saved through
 * exportops_update(), one export at a time, each still as it was read.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/xmalloc.h"
#include "screens/app.h"
#include "screens/screens.h"
#include "store/exportops.h"
#include "store/schedule.h"
#include "ui/ui.h"
#include "ui/widget.h"

/* The choices, keyed by what --schedule takes ("keep" keeps each one's). */
static const struct {
	const char	*key;
	const char	*label;
} sch_kinds[] = {
	{ "keep", N_("Keep each export's own schedule") },
	{ "off", N_("Off: only when a member starts it") },
	{ "refresh", N_("On every scheduled refresh") },
	{ "hourly", N_("Every hour, on the hour") },
	{ "daily", N_("Every day at a time") },
	{ "weekly", N_("Every week on a day at a time") },
};
#define SCH_NKINDS	(sizeof sch_kinds / sizeof sch_kinds[0])

struct sch {
	struct ui_screen	 base;
	struct app		*app;
	char			**ids;
	size_t			 n;
	char			*title;
	char			*text;
	struct ui_form		 form;
	struct ui_buttons	 buttons;
	struct ui_list		 kinds;
	struct ui_field		 at;		/* HH:MM */
	struct ui_field		 day;		/* mon ... sun */
	struct ui_field		 tz;
};

static const char *
sch_kind(const struct sch *w)
{
	const char	*k = ui_list_selected_key(&w->kinds);

	return k != NULL ? k : "off";
}

static void
sch_build(struct sch *w)
{
	const char	*k = sch_kind(w);
	int		 focus;

	ui_form_reset(&w->form);
	ui_form_text(&w->form, UI_A_NORMAL, w->text);
	focus = ui_form_list(&w->form, &w->kinds, (int)w->kinds.n);
	if (strcmp(k, "weekly") == 0)
		ui_form_field(&w->form, &w->day);
	if (strcmp(k, "daily") == 0 || strcmp(k, "weekly") == 0)
		ui_form_field(&w->form, &w->at);
	if (strcmp(k, "hourly") == 0 || strcmp(k, "daily") == 0 ||
	    strcmp(k, "weekly") == 0)
		ui_form_field(&w->form, &w->tz);
	ui_buttons_init(&w->buttons, _("Cancel"), _("Save"), NULL);
	ui_form_buttons(&w->form, &w->buttons);
	ui_form_focus(&w->form, focus);
	ui_dirty(w->app->ui, UI_DIRTY_ALL);
}

/* The schedule chosen, into s; 0, or -1 with the field in error. */
static int
sch_chosen(struct sch *w, struct schedule *s)
{
	const char	*k = sch_kind(w);
	char		*text, *cause = NULL;
	struct ui_field	*bad;
	int		 rc;

	if (strcmp(k, "daily") == 0)
		text = xasprintf("daily %s", ui_field_text(&w->at));
	else if (strcmp(k, "weekly") == 0)
		text = xasprintf("weekly %s %s", ui_field_text(&w->day),
		    ui_field_text(&w->at));
	else
		text = xstrdup(k);
	rc = schedule_parse(text, s, &cause);
	free(text);
	/* Which field is wrong: the day when it is no day, else the time. */
	bad = &w->at;
	if (rc == -1 && strcmp(k, "weekly") == 0) {
		struct schedule	 probe;
		char		*why = NULL;

		text = xasprintf("weekly %s 00:00", ui_field_text(&w->day));
		if (schedule_parse(text, &probe, &why) == -1)
			bad = &w->day;
		free(why);
		free(text);
	}
	if (rc == -1) {
		ui_field_error(bad, cause);
		free(cause);
		ui_dirty(w->app->ui, UI_DIRTY_ALL);
		return -1;
	}
	ui_field_error(&w->at, NULL);
	ui_field_error(&w->day, NULL);
	if (s->kind >= SCHEDULE_HOURLY) {
		if (schedule_tz_check(ui_field_text(&w->tz), &cause) == -1) {
			ui_field_error(&w->tz, cause);
			free(cause);
			ui_dirty(w->app->ui, UI_DIRTY_ALL);
			return -1;
		}
		snprintf(s->tz, sizeof s->tz, "%s", ui_field_text(&w->tz));
	}
	ui_field_error(&w->tz, NULL);
	return 0;
}

static void
sch_save(struct sch *w)
{
	struct schedule		 s;
	const struct export	*x;
	struct connection	*c;
	struct export		*y;
	char			*cause = NULL, *failed = NULL, *t;
	size_t			 i, saved = 0;

	if (strcmp(sch_kind(w), "keep") == 0) {
		ui_pop(w->app->ui);
		return;
	}
	if (sch_chosen(w, &s) == -1)
		return;
	for (i = 0; i < w->n; i++) {
		x = export_list_by_id(&w->app->exports, w->ids[i]);
		if (x == NULL)
			continue;
		c = app_conn(w->app, x->connection);
		if (s.kind != SCHEDULE_OFF && (c == NULL ||
		    c->export_user == NULL))
			cause = xasprintf(_("\"%s\": its connection has no "
			    "export user, so scheduled runs could not use it"),
			    x->name);
		else {
			y = export_dup(x);
			export_set_schedule(y, &s);
			if (export_changes(x, y) == 0 ||
			    exportops_update(w->app->ws, x, y, &cause) ==
			    FAIL_NONE)
				saved++;
			export_free(&y);
		}
		if (cause != NULL) {
			t = xasprintf("%s%s%s", failed != NULL ? failed : "",
			    failed != NULL ? "; " : "", cause);
			free(failed);
			failed = t;
			xfree(&cause);
		}
	}
	app_reload(w->app);
	if (failed != NULL) {
		failed = app_sentence(failed);
		ui_message(w->app->ui, UI_MSG_ERROR, ngettext_("Scheduled %zu "
		    "export; not the others: %s", "Scheduled %zu exports; not "
		    "the others: %s", saved), saved, failed);
		free(failed);
	} else
		ui_message(w->app->ui, UI_MSG_OK, ngettext_("Scheduled %zu "
		    "export.", "Scheduled %zu exports.", saved), saved);
	ui_pop(w->app->ui);
}

static int
sch_key(struct ui_screen *s, struct ui *ui, int key)
{
	struct sch	*w = (struct sch *)s;
	int		 which;

	switch (ui_form_key(&w->form, key, &which)) {
	case UI_FORM_CHANGED:
		if (w->form.items[which].list == &w->kinds) {
			sch_build(w);
			ui_form_focus(&w->form, which);
		}
		return 1;
	case UI_FORM_SUBMIT:
		sch_save(w);
		return 1;
	case UI_FORM_BUTTON:
		if (which == 0)
			ui_pop(ui);
		else
			sch_save(w);
		return 1;
	case UI_FORM_HANDLED:
		return 1;
	case UI_FORM_IGNORED:
		break;
	}
	if (key == UI_KEY_ESC) {
		ui_pop(ui);
		return 1;
	}
	return 0;
}

static const char *
sch_title(struct ui_screen *s)
{
	return ((struct sch *)s)->title;
}

static void
sch_draw(struct ui_screen *s, struct ui *ui, struct ui_rect r)
{
	(void)ui;
	ui_form_draw(&((struct sch *)s)->form, r);
}

static size_t
sch_hints(struct ui_screen *s, struct ui_hint *h, size_t max)
{
	struct sch	*w = (struct sch *)s;
	size_t		 n;

	n = ui_form_hints(&w->form, h, max);
	if (n < max)
		h[n++] = (struct ui_hint){ "Esc", _("cancel") };
	return n;
}

static const char *
sch_help(struct ui_screen *s)
{
	(void)s;
	return _("When segsync refresh (started every 15 minutes by the "
	    "shipped timer) runs the exports by itself: never, every time, "
	    "or at set times in a time zone, summer time included. After "
	    "downtime one run catches up, however many times were missed, "
	    "and an export still running when its time comes runs at the "
	    "next refresh. A schedule needs a connection with an export "
	    "user. Space in Exports marks several exports to schedule at "
	    "once.");
}

static void
sch_free(struct ui_screen *s)
{
	struct sch	*w = (struct sch *)s;
	size_t		 i;

	for (i = 0; i < w->n; i++)
		free(w->ids[i]);
	free(w->ids);
	free(w->title);
	free(w->text);
	ui_list_free(&w->kinds);
	ui_field_free(&w->at);
	ui_field_free(&w->day);
	ui_field_free(&w->tz);
	free(w);
}

static const struct ui_screen_ops sch_ops = {
	.name = "schedule",
	.title = sch_title,
	.draw = sch_draw,
	.key = sch_key,
	.hints = sch_hints,
	.help = sch_help,
	.free = sch_free,
};

struct ui_screen *
schedule_new(struct app *app, char **ids, size_t n)
{
	struct sch		*w;
	const struct export	*x, *first = NULL;
	const char		*cells[1];
	char			*names = xstrdup(""), *t, sched[128], other[128];
	char			 tz[SCHEDULE_TZ_MAX], hhmm[8], day[4];
	size_t			 i;
	int			 differ = 0;

	w = xcalloc(1, sizeof *w);
	w->base.ops = &sch_ops;
	w->app = app;
	w->ids = ids;
	w->n = n;
	for (i = 0; i < n; i++) {
		x = export_list_by_id(&app->exports, ids[i]);
		if (x == NULL)
			continue;
		if (first == NULL)
			first = x;
		else if (strcmp(export_schedule_text(first, sched,
		    sizeof sched), export_schedule_text(x, other,
		    sizeof other)) != 0)
			differ = 1;
		t = xasprintf("%s%s\"%s\" (%s)", names, *names != '\0' ? ", " :
		    "", x->name, export_schedule_text(x, sched, sizeof sched));
		free(names);
		names = t;
	}
	w->title = n == 1 && first != NULL ? xasprintf(_("Exports%s"
	    "Schedule \"%s\""), ui_glyph(UI_G_SEP), first->name) :
	    xasprintf(_("Exports%sSchedule %zu exports"), ui_glyph(UI_G_SEP),
	    n);
	w->text = xasprintf(n == 1 ? _("When does segsync refresh run it? "
	    "Now: %s.") : _("When does segsync refresh run them? Now: %s."),
	    names);
	free(names);
	ui_list_init(&w->kinds, UI_LIST_RADIO, 1);
	ui_list_column(&w->kinds, 0, NULL, 40, 1);
	for (i = differ ? 0 : 1; i < SCH_NKINDS; i++) {
		cells[0] = _(sch_kinds[i].label);
		ui_list_add_key(&w->kinds, cells, sch_kinds[i].key);
	}
	ui_field_init(&w->at, _("Time (HH:MM)"), 0, 5);
	ui_field_init(&w->day, _("Day (mon, tue, wed, thu, fri, sat, sun)"), 0,
	    3);
	ui_field_init(&w->tz, _("Time zone"), 0, SCHEDULE_TZ_MAX - 1);
	w->tz.note = _("An IANA name, such as Europe/Paris or UTC.");
	ui_field_set(&w->at, "06:00");
	ui_field_set(&w->day, "mon");
	schedule_tz_system(tz);
	/* Start from the first export's schedule when they share one. */
	if (first != NULL && !differ) {
		schedule_text(&first->schedule, sched, sizeof sched);
		ui_list_select_key(&w->kinds, first->schedule.kind ==
		    SCHEDULE_OFF ? "off" : first->schedule.kind ==
		    SCHEDULE_REFRESH ? "refresh" : first->schedule.kind ==
		    SCHEDULE_HOURLY ? "hourly" : first->schedule.kind ==
		    SCHEDULE_DAILY ? "daily" : "weekly");
		if (first->schedule.kind >= SCHEDULE_DAILY) {
			snprintf(hhmm, sizeof hhmm, "%02d:%02d",
			    first->schedule.hour, first->schedule.minute);
			ui_field_set(&w->at, hhmm);
		}
		if (first->schedule.kind == SCHEDULE_WEEKLY) {
			/* "weekly mon 06:30": the day is the second word. */
			memcpy(day, sched + strlen("weekly "), 3);
			day[3] = '\0';
			ui_field_set(&w->day, day);
		}
		if (first->schedule.tz[0] != '\0')
			snprintf(tz, sizeof tz, "%s", first->schedule.tz);
	}
	ui_field_set(&w->tz, tz);
	sch_build(w);
	return &w->base;
}
