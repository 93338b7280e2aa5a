/* Connections: the non-secret JSON file of each destination account. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "store/connection.h"
#include "store/workspace.h"

#define CONN_FILE_CAP	(1u * 1024 * 1024)

/* Length in bytes of the UTF-8 sequence at s, or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned	c = s[0], cp;
	size_t		n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

int
connection_name_valid(const char *name, char **cause)
{
	const unsigned char	*p = (const unsigned char *)name;
	size_t			 len = strlen(name), n;

	if (len == 0) {
		*cause = xstrdup(_("the name is empty; give the connection a "
		    "name people will recognise"));
		return -1;
	}
	if (len > CONNECTION_NAME_MAX) {
		*cause = xasprintf(_("the name is %zu bytes long; at most %d "
		    "are allowed"), len, CONNECTION_NAME_MAX);
		return -1;
	}
	if (name[0] == ' ' || name[len - 1] == ' ') {
		*cause = xstrdup(_("the name starts or ends with a space"));
		return -1;
	}
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f) {
			*cause = xstrdup(_("the name contains a control "
			    "character"));
			return -1;
		}
		n = utf8_seq(p);
		if (n == 0) {
			*cause = xstrdup(_("the name is not valid UTF-8"));
			return -1;
		}
		p += n;
	}
	return 0;
}

char *
connection_new_id(void)
{
	unsigned char	raw[CONNECTION_ID_LEN / 2];
	char		hex[CONNECTION_ID_LEN + 1];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	return xstrdup(hex);
}

/* Is id a well-formed connection id (so that it is safe in a path)? */
static int
conn_id_valid(const char *id)
{
	size_t	i;

	if (strlen(id) != CONNECTION_ID_LEN)
		return 0;
	for (i = 0; i < CONNECTION_ID_LEN; i++)
		if (strchr("0123456789abcdef", id[i]) == NULL)
			return 0;
	return 1;
}

char *
connection_json_path(const struct workspace *ws, const char *id)
{
	char	*rel, *path;

	rel = xasprintf("connections/%s.json", id);
	path = workspace_path(ws, rel);
	free(rel);
	return path;
}

char *
connection_secrets_path(const struct workspace *ws, const char *id)
{
	char	*rel, *path;

	rel = xasprintf("connections/%s.secrets", id);
	path = workspace_path(ws, rel);
	free(rel);
	return path;
}

void
connection_free(struct connection **pc)
{
	struct connection	*c = *pc;
	size_t			 i;

	if (c == NULL)
		return;
	free(c->id);
	free(c->name);
	free(c->type);
	free(c->export_user);
	free(c->created_by);
	free(c->created_at);
	free(c->privacy_agreed_by);
	free(c->privacy_agreed_at);
	cJSON_Delete(c->settings);
	for (i = 0; i < c->nsecrets; i++)
		free(c->secrets[i]);
	free(c->secrets);
	free(c->last_test_at);
	free(c->last_test_outcome);
	free(c->last_test_message);
	free(c);
	*pc = NULL;
}

static char *
dupnull(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct connection *
connection_dup(const struct connection *c)
{
	struct connection	*d;
	size_t			 i;

	d = xcalloc(1, sizeof *d);
	d->id = dupnull(c->id);
	d->name = dupnull(c->name);
	d->type = dupnull(c->type);
	d->contributors = c->contributors;
	d->export_user = dupnull(c->export_user);
	d->created_by = dupnull(c->created_by);
	d->created_at = dupnull(c->created_at);
	d->privacy_agreed_by = dupnull(c->privacy_agreed_by);
	d->privacy_agreed_at = dupnull(c->privacy_agreed_at);
	d->settings = c->settings != NULL ? cJSON_Duplicate(c->settings, 1) :
	    cJSON_CreateObject();
	d->secrets = xcalloc(c->nsecrets + 1, sizeof *d->secrets);
	for (i = 0; i < c->nsecrets; i++)
		d->secrets[i] = xstrdup(c->secrets[i]);
	d->nsecrets = c->nsecrets;
	d->last_test_at = dupnull(c->last_test_at);
	d->last_test_outcome = dupnull(c->last_test_outcome);
	d->last_test_message = dupnull(c->last_test_message);
	return d;
}

static const char *
jstr(const cJSON *obj, const char *key)
{
	const cJSON	*item;

	item = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* Parse one connection file; the message names the file. */
static int
conn_parse(const char *path, const char *text, struct connection **out,
    char **cause)
{
	struct connection	*c;
	cJSON			*doc, *item, *settings, *secrets;
	const char		*id, *name, *type, *usable, *end = NULL;
	const char		*why = NULL;
	unsigned long		 line, col;

	*out = NULL;
	doc = cJSON_ParseWithOpts(text, &end, 1);
	if (doc == NULL) {
		util_line_col(text, end == NULL ? 0 : (size_t)(end - text),
		    &line, &col);
		*cause = xasprintf(_("%s: not valid JSON at line %lu, column "
		    "%lu"), path, line, col);
		return -1;
	}
	item = cJSON_GetObjectItemCaseSensitive(doc, "version");
	id = jstr(doc, "id");
	name = jstr(doc, "name");
	type = jstr(doc, "type");
	usable = jstr(doc, "usable_by");
	settings = cJSON_GetObjectItemCaseSensitive(doc, "settings");
	secrets = cJSON_GetObjectItemCaseSensitive(doc, "secrets");
	if (!cJSON_IsNumber(item))
		why = _("the \"version\" field is missing");
	else if (item->valuedouble != CONNECTION_VERSION)
		why = _("its version is not one this segsync knows");
	else if (id == NULL || !conn_id_valid(id))
		why = _("\"id\" is not a valid connection id");
	else if (name == NULL || *name == '\0')
		why = _("\"name\" is missing");
	else if (type == NULL)
		why = _("\"type\" is missing");
	else if (usable == NULL || (strcmp(usable, "administrators") != 0 &&
	    strcmp(usable, "contributors") != 0))
		why = _("\"usable_by\" must be \"administrators\" or "
		    "\"contributors\"");
	else if (!cJSON_IsObject(settings))
		why = _("\"settings\" must be an object");
	else if (!cJSON_IsArray(secrets))
		why = _("\"secrets\" must be a list");
	if (why != NULL) {
		*cause = xasprintf(_("%s: %s"), path, why);
		cJSON_Delete(doc);
		return -1;
	}
	c = xcalloc(1, sizeof *c);
	c->id = xstrdup(id);
	c->name = xstrdup(name);
	c->type = xstrdup(type);
	c->contributors = strcmp(usable, "contributors") == 0;
	if (jstr(doc, "export_user") != NULL)
		c->export_user = xstrdup(jstr(doc, "export_user"));
	c->created_by = xstrdup(jstr(doc, "created_by") ?
	    jstr(doc, "created_by") : "");
	c->created_at = xstrdup(jstr(doc, "created_at") ?
	    jstr(doc, "created_at") : "");
	c->privacy_agreed_by = xstrdup(jstr(doc, "privacy_agreed_by") ?
	    jstr(doc, "privacy_agreed_by") : "");
	c->privacy_agreed_at = xstrdup(jstr(doc, "privacy_agreed_at") ?
	    jstr(doc, "privacy_agreed_at") : "");
	c->settings = cJSON_Duplicate(settings, 1);
	c->secrets = xcalloc((size_t)cJSON_GetArraySize(secrets) + 1,
	    sizeof *c->secrets);
	cJSON_ArrayForEach(item, secrets) {
		if (cJSON_IsString(item))
			c->secrets[c->nsecrets++] = xstrdup(item->valuestring);
	}
	item = cJSON_GetObjectItemCaseSensitive(doc, "last_test");
	if (cJSON_IsObject(item) && jstr(item, "at") != NULL &&
	    jstr(item, "outcome") != NULL && jstr(item, "message") != NULL) {
		c->last_test_at = xstrdup(jstr(item, "at"));
		c->last_test_outcome = xstrdup(jstr(item, "outcome"));
		c->last_test_message = xstrdup(jstr(item, "message"));
	}
	cJSON_Delete(doc);
	*out = c;
	return 0;
}

static int
conn_cmp(const void *a, const void *b)
{
	const struct connection	*ca = *(struct connection *const *)a;
	const struct connection	*cb = *(struct connection *const *)b;

	return strcmp(ca->name, cb->name);
}

/* Parse one connection file into the list (workspace_each_json). */
static int
conn_list_add(const char *path, const char *text, void *arg, char **cause)
{
	struct connection_list	*l = arg;
	struct connection	*c;

	if (conn_parse(path, text, &c, cause) == -1)
		return -1;
	l->items = xreallocarray(l->items, l->n + 1, sizeof *l->items);
	l->items[l->n++] = c;
	return 0;
}

int
connection_list_load(const struct workspace *ws, struct connection_list *l,
    char **cause)
{
	memset(l, 0, sizeof *l);
	if (workspace_each_json(ws, "connections", CONN_FILE_CAP,
	    conn_list_add, l, cause) == -1) {
		connection_list_free(l);
		return -1;
	}
	if (l->n > 1)
		qsort(l->items, l->n, sizeof *l->items, conn_cmp);
	return 0;
}

void
connection_list_free(struct connection_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		connection_free(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

struct connection *
connection_list_find(const struct connection_list *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (util_same_name(l->items[i]->name, name))
			return l->items[i];
	return NULL;
}

struct connection *
connection_list_by_id(const struct connection_list *l, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < l->n; i++)
		if (strcmp(l->items[i]->id, id) == 0)
			return l->items[i];
	return NULL;
}

const char *
connection_usable_by(const struct connection *c)
{
	return c->contributors ? "contributors" : "administrators";
}

/* The whole file form (connection_to_json is the cli.md subset). */
static cJSON *
conn_file_json(const struct connection *c)
{
	cJSON	*o, *arr;
	char	*nfc;
	size_t	 i;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "version", CONNECTION_VERSION);
	cJSON_AddStringToObject(o, "id", c->id);
	/* Saved in NFC, whichever way its accents were typed. */
	nfc = util_nfc(c->name);
	cJSON_AddStringToObject(o, "name", nfc);
	free(nfc);
	cJSON_AddStringToObject(o, "type", c->type);
	cJSON_AddStringToObject(o, "usable_by", connection_usable_by(c));
	if (c->export_user != NULL)
		cJSON_AddStringToObject(o, "export_user", c->export_user);
	else
		cJSON_AddNullToObject(o, "export_user");
	cJSON_AddStringToObject(o, "created_by", c->created_by);
	cJSON_AddStringToObject(o, "created_at", c->created_at);
	cJSON_AddStringToObject(o, "privacy_agreed_by", c->privacy_agreed_by);
	cJSON_AddStringToObject(o, "privacy_agreed_at", c->privacy_agreed_at);
	cJSON_AddItemToObject(o, "settings", c->settings != NULL ?
	    cJSON_Duplicate(c->settings, 1) : cJSON_CreateObject());
	arr = cJSON_AddArrayToObject(o, "secrets");
	for (i = 0; i < c->nsecrets; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(c->secrets[i]));
	if (c->last_test_at != NULL) {
		arr = cJSON_AddObjectToObject(o, "last_test");
		cJSON_AddStringToObject(arr, "at", c->last_test_at);
		cJSON_AddStringToObject(arr, "outcome", c->last_test_outcome);
		cJSON_AddStringToObject(arr, "message", c->last_test_message);
	}
	return o;
}

int
connection_save(const struct workspace *ws, const struct connection *c,
    char **cause)
{
	cJSON	*o;
	char	*text, *path;
	int	 rc;

	o = conn_file_json(c);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	path = connection_json_path(ws, c->id);
	rc = fileio_write_atomic(path, text, strlen(text),
	    workspace_file_mode(ws), workspace_gid(ws), cause);
	free(path);
	free(text);
	return rc;
}

int
connection_remove_files(const struct workspace *ws, const char *id,
    char **cause)
{
	char	*json, *secrets, *dir;
	int	 rc = 0;

	json = connection_json_path(ws, id);
	secrets = connection_secrets_path(ws, id);
	/* The secrets go first: a crash in between leaves no orphan key. */
	if (unlink(secrets) == -1 && errno != ENOENT) {
		*cause = xasprintf(_("cannot remove %s: %s"), secrets,
		    strerror(errno));
		rc = -1;
	} else if (unlink(json) == -1 && errno != ENOENT) {
		*cause = xasprintf(_("cannot remove %s: %s"), json,
		    strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		dir = workspace_path(ws, "connections");
		rc = fileio_sync_dir(dir, cause);
		free(dir);
	}
	free(json);
	free(secrets);
	return rc;
}

cJSON *
connection_to_json(const struct connection *c)
{
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddStringToObject(o, "type", c->type);
	cJSON_AddStringToObject(o, "usable_by", connection_usable_by(c));
	if (c->export_user != NULL)
		cJSON_AddStringToObject(o, "export_user", c->export_user);
	else
		cJSON_AddNullToObject(o, "export_user");
	cJSON_AddStringToObject(o, "created_by", c->created_by);
	cJSON_AddStringToObject(o, "created_at", c->created_at);
	return o;
}

void
connection_set_last_test(struct connection *c, const char *outcome,
    const char *message)
{
	char	now[UTIL_RFC3339_LEN];

	util_rfc3339(time(NULL), now);
	free(c->last_test_at);
	free(c->last_test_outcome);
	free(c->last_test_message);
	c->last_test_at = xstrdup(now);
	c->last_test_outcome = xstrdup(outcome);
	c->last_test_message = xstrdup(message);
}
