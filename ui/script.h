/*
 * The headless scripted mode (shared/docs/style.md R13): keys read from a
 * script file instead of the terminal, and screen dumps written where the
 * tests compare them with golden files. Pure parsing, no curses.
 *
 *	# a comment
 *	keys <Down><Down><Enter>Braze EU<Tab>	keys, and text typed as is
 *	dump connections-list			write the screen to DIR/NAME
 *	resize 60x20				the terminal changes size
 *	sleep 500				let 500 ms pass on the UI clock
 *
 * Key names between < and >: Up Down Left Right Home End PgUp PgDn BS Del
 * Enter Tab S-Tab Esc Space F1..F12, lt (a '<'), C-a..C-z (Control).
 * Before each step the UI waits until its background work (unlocking, a
 * connection test) is over, so that dumps do not depend on timing.
 */
#ifndef SEGSYNC_UI_SCRIPT_H
#define SEGSYNC_UI_SCRIPT_H

#include <stddef.h>

enum ui_step_kind {
	UI_STEP_KEY,
	UI_STEP_DUMP,
	UI_STEP_RESIZE,
	UI_STEP_SLEEP
};

struct ui_step {
	enum ui_step_kind	 kind;
	int			 key;		/* UI_STEP_KEY */
	char			*name;		/* UI_STEP_DUMP */
	int			 cols, rows;	/* UI_STEP_RESIZE */
	int			 ms;		/* UI_STEP_SLEEP */
	unsigned long		 line;		/* in the script, for errors */
};

struct ui_script {
	char		*path;
	struct ui_step	*steps;
	size_t		 n;
	size_t		 next;
};

/* Parse the script text (path for messages). 0, or -1 with *cause. */
int	ui_script_parse(const char *path, const char *text,
	    struct ui_script **, char **cause);
/* Read and parse a script file. 0, or -1 with *cause. */
int	ui_script_load(const char *path, struct ui_script **, char **cause);
void	ui_script_free(struct ui_script **);

/* The next step, or NULL at the end. */
const struct ui_step *ui_script_next(struct ui_script *);

/* The key named name (without < >), or -1. */
int	ui_script_key(const char *name);

#endif
