/* Key scripts for the headless mode (see script.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "keys.h"
#include "script.h"
#include "text.h"

#define UI_SCRIPT_MAX	(1024u * 1024)

static const struct {
	const char	*name;
	int		 key;
} ui_key_names[] = {
	{ "Up", UI_KEY_UP },
	{ "Down", UI_KEY_DOWN },
	{ "Left", UI_KEY_LEFT },
	{ "Right", UI_KEY_RIGHT },
	{ "Home", UI_KEY_HOME },
	{ "End", UI_KEY_END },
	{ "PgUp", UI_KEY_PGUP },
	{ "PgDn", UI_KEY_PGDN },
	{ "BS", UI_KEY_BACKSPACE },
	{ "Del", UI_KEY_DELETE },
	{ "Enter", UI_KEY_ENTER },
	{ "Tab", UI_KEY_TAB },
	{ "S-Tab", UI_KEY_BTAB },
	{ "Esc", UI_KEY_ESC },
	{ "Space", ' ' },
	{ "lt", '<' },
	{ NULL, 0 }
};

int
ui_script_key(const char *name)
{
	size_t	i;
	int	n;

	for (i = 0; ui_key_names[i].name != NULL; i++)
		if (strcmp(ui_key_names[i].name, name) == 0)
			return ui_key_names[i].key;
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		n = atoi(name + 1);
		if (n >= 1 && n <= 12 && strlen(name) == (n >= 10 ? 3u : 2u))
			return UI_KEY_F(n);
	}
	if (name[0] == 'C' && name[1] == '-' && name[2] >= 'a' &&
	    name[2] <= 'z' && name[3] == '\0')
		return UI_CTRL(name[2]);
	return -1;
}

static struct ui_step *
add_step(struct ui_script *s, enum ui_step_kind kind, unsigned long line)
{
	struct ui_step	*st;

	s->steps = xreallocarray(s->steps, s->n + 1, sizeof *s->steps);
	st = &s->steps[s->n++];
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->line = line;
	return st;
}

/* "keys" arguments: <Name> tokens and literal text. */
static int
parse_keys(struct ui_script *s, const char *p, unsigned long line,
    char **cause)
{
	const char	*end;
	char		*name;
	uint32_t	 cp;
	size_t		 n;
	int		 key;

	while (*p != '\0') {
		if (*p == '<') {
			end = strchr(p, '>');
			if (end == NULL) {
				*cause = xasprintf(_("%s, line %lu: '<' "
				    "without '>' (write <lt> for a '<')"),
				    s->path, line);
				return -1;
			}
			name = xstrndup(p + 1, (size_t)(end - p - 1));
			key = ui_script_key(name);
			if (key == -1) {
				*cause = xasprintf(_("%s, line %lu: unknown "
				    "key <%s>"), s->path, line, name);
				free(name);
				return -1;
			}
			free(name);
			add_step(s, UI_STEP_KEY, line)->key = key;
			p = end + 1;
			continue;
		}
		n = ui_text_decode(p, strlen(p), &cp);
		if (cp == UI_TEXT_BAD) {
			*cause = xasprintf(_("%s, line %lu: the text is not "
			    "UTF-8"), s->path, line);
			return -1;
		}
		add_step(s, UI_STEP_KEY, line)->key = (int)cp;
		p += n;
	}
	return 0;
}

static int
valid_dump_name(const char *name)
{
	const char	*p;

	if (*name == '\0' || *name == '.')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return 0;
	return 1;
}

int
ui_script_parse(const char *path, const char *text, struct ui_script **sp,
    char **cause)
{
	struct ui_script	*s;
	struct ui_step		*st;
	const char		*p = text, *eol;
	char			*line, *arg, *end;
	unsigned long		 lineno = 0;
	long			 v;
	int			 cols, rows, rc = 0;

	*sp = NULL;
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	while (rc == 0 && *p != '\0') {
		lineno++;
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		line = xstrndup(p, (size_t)(eol - p));
		p = *eol == '\n' ? eol + 1 : eol;
		if (line[0] != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		arg = strchr(line, ' ');
		if (arg != NULL)
			*arg++ = '\0';
		if (line[0] == '\0' || line[0] == '#')
			;
		else if (strcmp(line, "keys") == 0 && arg != NULL)
			rc = parse_keys(s, arg, lineno, cause);
		else if (strcmp(line, "dump") == 0 && arg != NULL &&
		    valid_dump_name(arg))
			add_step(s, UI_STEP_DUMP, lineno)->name = xstrdup(arg);
		else if (strcmp(line, "resize") == 0 && arg != NULL &&
		    sscanf(arg, "%dx%d", &cols, &rows) == 2 && cols > 0 &&
		    rows > 0 && cols <= 1000 && rows <= 1000) {
			st = add_step(s, UI_STEP_RESIZE, lineno);
			st->cols = cols;
			st->rows = rows;
		} else if (strcmp(line, "sleep") == 0 && arg != NULL &&
		    (v = strtol(arg, &end, 10)) >= 0 && *end == '\0' &&
		    end != arg && v <= 3600000)
			add_step(s, UI_STEP_SLEEP, lineno)->ms = (int)v;
		else {
			*cause = xasprintf(_("%s, line %lu: expected 'keys "
			    "TEXT', 'dump NAME' (letters, digits, '-', '_', "
			    "'.'), 'resize COLSxROWS' or 'sleep MS'"), path,
			    lineno);
			rc = -1;
		}
		free(line);
	}
	if (rc == -1) {
		ui_script_free(&s);
		return -1;
	}
	*sp = s;
	return 0;
}

int
ui_script_load(const char *path, struct ui_script **sp, char **cause)
{
	char	*text;
	size_t	 len;
	int	 rc;

	*sp = NULL;
	if (fileio_read(path, UI_SCRIPT_MAX, 0, &text, &len, cause) == -1)
		return -1;
	rc = ui_script_parse(path, text, sp, cause);
	free(text);
	return rc;
}

void
ui_script_free(struct ui_script **sp)
{
	struct ui_script	*s = *sp;
	size_t			 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->steps[i].name);
	free(s->steps);
	free(s->path);
	free(s);
	*sp = NULL;
}

const struct ui_step *
ui_script_next(struct ui_script *s)
{
	if (s->next >= s->n)
		return NULL;
	return &s->steps[s->next++];
}
