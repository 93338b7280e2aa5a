/* Recipients from the registry, identity paths, and unlocking. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/util.h"
#include "base/xmalloc.h"
#include "secrets/keyring.h"
#include "secrets/passphrase.h"
#include "store/connection.h"
#include "store/workspace.h"

#define PUB_MAGIC	"segsync-public/v1"

enum secrecord_policy
keyring_policy(const struct connection *c)
{
	return c->contributors ? SECRECORD_POLICY_CONTRIBUTORS :
	    SECRECORD_POLICY_ADMINS;
}

enum secrecord_export
keyring_export(const struct connection *c)
{
	return c->export_user != NULL ? SECRECORD_EXPORT_SCHEDULED :
	    SECRECORD_EXPORT_MANUAL;
}

static void
set_add(struct keyring_set *set, const char *id, const char *b64)
{
	size_t	i, j;

	set->r = xreallocarray(set->r, set->n + 1, sizeof *set->r);
	set->pk = xreallocarray(set->pk, set->n + 1, sizeof *set->pk);
	/* Keep sorted by id: the record format wants that order. */
	for (i = 0; i < set->n && strcmp(set->r[i].id, id) < 0; i++)
		;
	for (j = set->n; j > i; j--) {
		set->r[j] = set->r[j - 1];
		memcpy(set->pk[j], set->pk[j - 1], IDENTITY_PKBYTES);
	}
	set->r[i].id = xstrdup(id);
	identity_pk_decode(b64, set->pk[i]);
	set->n++;
	for (j = 0; j < set->n; j++)
		set->r[j].pk = set->pk[j];
}

enum sec_status
keyring_recipients(const struct workspace *ws, enum secrecord_policy policy,
    enum secrecord_export export, struct keyring_set *set, char **cause)
{
	const struct ws_member	*m;
	const struct ws_service	*sv;
	enum secrecord_role	 role;
	unsigned char		 pk[IDENTITY_PKBYTES];
	size_t			 i;

	memset(set, 0, sizeof *set);
	for (i = 0; i < workspace_member_count(ws); i++) {
		m = workspace_member_at(ws, i);
		role = m->role == WS_ROLE_ADMIN ? SECRECORD_ROLE_ADMIN :
		    SECRECORD_ROLE_CONTRIBUTOR;
		if (m->box_pk == NULL || identity_pk_decode(m->box_pk,
		    pk) == -1 || !secrecord_role_wanted(policy, export, role))
			continue;
		set_add(set, m->user, m->box_pk);
	}
	for (i = 0; i < workspace_service_count(ws); i++) {
		sv = workspace_service_at(ws, i);
		if (!secrecord_role_wanted(policy, export,
		    SECRECORD_ROLE_SERVICE) ||
		    identity_pk_decode(sv->box_pk, pk) == -1)
			continue;
		set_add(set, sv->id, sv->box_pk);
	}
	if (set->n == 0) {
		*cause = xstrdup(_("no administrator of this workspace has a "
		    "key yet, so no secret can be stored; run 'segsync init' "
		    "again in a new workspace"));
		return SEC_EINVAL;
	}
	return SEC_OK;
}

void
keyring_set_free(struct keyring_set *set)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		free((char *)set->r[i].id);
	free(set->r);
	free(set->pk);
	memset(set, 0, sizeof *set);
}

int
keyring_matches(const struct keyring_set *set, const struct secrecord *rec)
{
	size_t	i;

	if (secrecord_recipient_count(rec) != set->n)
		return 0;
	for (i = 0; i < set->n; i++)
		if (!secrecord_has_recipient(rec, set->r[i].id))
			return 0;
	return 1;
}

char *
keyring_identity_path(const struct workspace *ws, const char *user)
{
	char	*rel, *path;

	rel = xasprintf("identities/%s.identity", user);
	path = workspace_path(ws, rel);
	free(rel);
	return path;
}

char *
keyring_pub_path(const struct workspace *ws, const char *user)
{
	char	*rel, *path;

	rel = xasprintf("identities/%s.pub", user);
	path = workspace_path(ws, rel);
	free(rel);
	return path;
}

enum sec_status
keyring_new_passphrase(const char *passphrase_file, struct secret **out,
    char **cause)
{
	if (passphrase_file != NULL)
		return passphrase_read_file(passphrase_file, out, cause);
	return passphrase_new_tty(-1, out, cause);
}

/* Unlock with a key file: it must be a service identity we know. */
static enum sec_status
unlock_key_file(const struct workspace *ws, const char *key_file,
    struct identity **out, char **cause)
{
	const struct ws_service	*sv;
	struct identity		*id = NULL;
	unsigned char		 pk[IDENTITY_PKBYTES];
	enum sec_status		 st;

	st = identity_read(key_file, &id, cause);
	if (st != SEC_OK)
		return st;
	if (identity_locked(id)) {
		*cause = xasprintf(_("%s is a passphrase-protected identity, "
		    "not a key file; use --passphrase-file instead of "
		    "--key-file"), key_file);
		identity_free(&id);
		return SEC_EINVAL;
	}
	sv = workspace_service_find(ws, identity_id(id));
	if (sv == NULL || identity_pk_decode(sv->box_pk, pk) == -1 ||
	    sodium_memcmp(pk, identity_pk(id), sizeof pk) != 0) {
		*cause = xasprintf(_("the key file %s (%s) is not registered "
		    "in the workspace %s; an administrator creates key files "
		    "with 'segsync key add-file'"), key_file, identity_id(id),
		    workspace_dir(ws));
		identity_free(&id);
		return SEC_EDENIED;
	}
	*out = id;
	return SEC_OK;
}

enum sec_status
keyring_identity_load(const struct workspace *ws, const struct ws_member *me,
    const char *key_file, struct identity **out, char **cause)
{
	struct identity	*id = NULL;
	unsigned char	 pk[IDENTITY_PKBYTES];
	char		*path;
	enum sec_status	 st;

	*out = NULL;
	if (key_file != NULL)
		return unlock_key_file(ws, key_file, out, cause);
	path = keyring_identity_path(ws, me->user);
	st = identity_read(path, &id, cause);
	if (st == SEC_OK && (strcmp(identity_id(id), me->user) != 0 ||
	    me->box_pk == NULL || identity_pk_decode(me->box_pk, pk) == -1 ||
	    sodium_memcmp(pk, identity_pk(id), sizeof pk) != 0)) {
		*cause = xasprintf(_("%s is not the identity the workspace "
		    "registered for %s; an administrator can re-add you with "
		    "'segsync member add'"), path, me->user);
		st = SEC_EDENIED;
	}
	if (st == SEC_OK) {
		*out = id;
		id = NULL;
	}
	identity_free(&id);
	free(path);
	return st;
}

enum sec_status
keyring_unlock(const struct workspace *ws, const struct ws_member *me,
    const char *key_file, const char *passphrase_file,
    struct identity **out, char **cause)
{
	struct identity	*id = NULL;
	struct secret	*pass = NULL;
	char		*path, *prompt;
	enum sec_status	 st;

	*out = NULL;
	st = keyring_identity_load(ws, me, key_file, &id, cause);
	if (st != SEC_OK)
		return st;
	if (identity_locked(id)) {
		if (passphrase_file != NULL)
			st = passphrase_read_file(passphrase_file, &pass,
			    cause);
		else {
			path = keyring_identity_path(ws, me->user);
			prompt = xasprintf(_("Passphrase for %s: "), path);
			st = passphrase_read_tty(-1, prompt, &pass, cause);
			free(prompt);
			free(path);
		}
		if (st == SEC_OK)
			st = identity_unlock(id, pass, cause);
		secret_free(&pass);
	}
	if (st == SEC_OK) {
		*out = id;
		id = NULL;
	}
	identity_free(&id);
	return st;
}

int
keyring_pub_write(const struct workspace *ws, const struct identity *id,
    char **cause)
{
	char	*path, *b64, *text;
	int	 rc;

	path = keyring_pub_path(ws, identity_id(id));
	b64 = identity_pk_b64(id);
	text = xasprintf("%s\nmember %s\nbox-pk %s\n", PUB_MAGIC,
	    identity_id(id), b64);
	/* Public: the administrators must be able to read it. */
	rc = fileio_write_atomic(path, text, strlen(text),
	    workspace_gid(ws) == (gid_t)-1 ? 0644 : 0640, workspace_gid(ws),
	    cause);
	free(text);
	free(b64);
	free(path);
	return rc;
}

enum sec_status
keyring_pub_read(const struct workspace *ws, const char *user,
    unsigned long uid, char **box_pk, char **cause)
{
	struct stat	 st;
	unsigned char	 pk[IDENTITY_PKBYTES];
	char		 text[256];
	char		*path, *want = NULL;
	const char	*p;
	ssize_t		 n;
	size_t		 len, got = 0;
	int		 fd;
	enum sec_status	 rc = SEC_EFORMAT;

	*box_pk = NULL;
	path = keyring_pub_path(ws, user);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		if (errno == ENOENT)
			*cause = xasprintf(_("%s has no identity in this "
			    "workspace yet; ask them to run 'segsync identity "
			    "new' first"), user);
		else
			*cause = xasprintf(_("cannot read %s: %s"), path,
			    strerror(errno));
		goto out;
	}
	/*
	 * Only the user themself may have written their public key: a file
	 * planted by someone else would hand them the secrets. The owner is
	 * checked on the very file that is read, not on the path.
	 */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != (uid_t)uid) {
		*cause = xasprintf(_("%s is not a file owned by %s, so it "
		    "cannot be trusted as their key; ask them to run "
		    "'segsync identity new' again"), path, user);
		rc = SEC_EUNSAFE;
		goto out;
	}
	while (got < sizeof text - 1 &&
	    (n = read(fd, text + got, sizeof text - 1 - got)) > 0)
		got += (size_t)n;
	text[got] = '\0';
	want = xasprintf("%s\nmember %s\nbox-pk ", PUB_MAGIC, user);
	len = strlen(want);
	if (strncmp(text, want, len) != 0) {
		*cause = xasprintf(_("%s is not a segsync public key file for "
		    "%s"), path, user);
		goto out;
	}
	p = text + len;
	if (strlen(p) != 44 || p[43] != '\n') {
		*cause = xasprintf(_("%s: the public key line is malformed"),
		    path);
		goto out;
	}
	*box_pk = xstrndup(p, 43);
	if (identity_pk_decode(*box_pk, pk) == -1) {
		*cause = xasprintf(_("%s: the public key line is malformed"),
		    path);
		xfree(box_pk);
		goto out;
	}
	rc = SEC_OK;
out:
	if (fd != -1)
		close(fd);
	free(want);
	free(path);
	return rc;
}

void
keyring_names_free(char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Parse a connection's record without its key and check that the
 * connection file agrees with it on who may use the connection. The
 * record's policy and export lines are covered by its MAC, the JSON file
 * is not: in a shared workspace any member can edit the JSON, so the
 * record decides and a disagreement is reported, never acted on.
 */
static int
record_peek(const struct connection *c, const char *path,
    struct secrecord **recp, char **cause)
{
	char		*text = NULL;
	size_t		 len;
	enum sec_status	 st;

	*recp = NULL;
	if (fileio_read(path, SECRECORD_MAX_FILE, 1, &text, &len, cause) == -1)
		return -1;
	st = secrecord_parse(text, len, path, recp, cause);
	free(text);
	if (st != SEC_OK)
		return -1;
	if (secrecord_policy(*recp) != keyring_policy(c) ||
	    secrecord_export(*recp) != keyring_export(c)) {
		*cause = xasprintf(_("the connection \"%s\": its file and its "
		    "encrypted record %s disagree on who may use it, so one of "
		    "them was altered; restore it from a backup or remove and "
		    "add the connection again"), c->name, path);
		secrecord_free(recp);
		return -1;
	}
	return 0;
}

/* Does the record need resealing (or re-keying) for its own policy? */
static int
record_stale(const struct workspace *ws, const struct connection *c,
    const char *path, const char *removed_user, int *stale, char **cause)
{
	struct secrecord		*rec = NULL;
	struct keyring_set	 set;

	*stale = 0;
	if (record_peek(c, path, &rec, cause) == -1)
		return -1;
	if (keyring_recipients(ws, secrecord_policy(rec), secrecord_export(rec),
	    &set, cause) != SEC_OK) {
		secrecord_free(&rec);
		return -1;
	}
	*stale = !keyring_matches(&set, rec) ||
	    (removed_user != NULL && secrecord_has_recipient(rec,
	    removed_user));
	keyring_set_free(&set);
	secrecord_free(&rec);
	return 0;
}

int
keyring_stale(const struct workspace *ws, const char *removed_user,
    char ***names, char **cause)
{
	struct connection_list	 l;
	char			*path;
	size_t			 i, n = 0;
	int			 stale, rc = 0;

	*names = NULL;
	if (connection_list_load(ws, &l, cause) == -1)
		return -1;
	for (i = 0; i < l.n && rc == 0; i++) {
		path = connection_secrets_path(ws, l.items[i]->id);
		rc = record_stale(ws, l.items[i], path, removed_user, &stale,
		    cause);
		free(path);
		if (rc == 0 && stale) {
			*names = xreallocarray(*names, n + 1, sizeof **names);
			(*names)[n++] = xstrdup(l.items[i]->name);
		}
	}
	connection_list_free(&l);
	if (rc == -1) {
		keyring_names_free(*names, n);
		*names = NULL;
		return -1;
	}
	return (int)n;
}

/* Reseal or re-key one record to its own policy's recipients. */
static enum sec_status
record_sync(const struct workspace *ws, const struct identity *me,
    const struct connection *c, const char *path,
    const unsigned char store[SECRECORD_STOREBYTES], const char *removed_user,
    int *changed, char **cause)
{
	struct secrecord		*rec = NULL;
	struct keyring_set	 set = { NULL, NULL, 0 };
	enum sec_status		 st;

	*changed = 0;
	st = secrecord_load(path, store, c->id, me, &rec, cause);
	if (st != SEC_OK)
		return st;
	/* Loaded, so its policy lines passed the MAC: they decide. */
	st = keyring_recipients(ws, secrecord_policy(rec),
	    secrecord_export(rec),
	    &set, cause);
	if (st == SEC_OK && (!keyring_matches(&set, rec) ||
	    (removed_user != NULL && secrecord_has_recipient(rec,
	    removed_user)))) {
		if (removed_user != NULL && secrecord_has_recipient(rec,
		    removed_user))
			st = secrecord_rekey(rec, set.r, set.n, cause);
		else
			st = secrecord_reseal(rec, set.r, set.n, cause);
		if (st == SEC_OK)
			st = secrecord_save(rec, path, workspace_file_mode(ws),
			    workspace_gid(ws), cause);
		*changed = st == SEC_OK;
	}
	keyring_set_free(&set);
	secrecord_free(&rec);
	return st;
}

enum sec_status
keyring_sync(const struct workspace *ws, const struct identity *me,
    const char *removed_user, char ***changed, size_t *nchanged,
    char **cause)
{
	struct connection_list	 l;
	unsigned char		 store[SECRECORD_STOREBYTES];
	char			*path;
	size_t			 i;
	int			 stale, did;
	enum sec_status		 st = SEC_OK;

	*changed = NULL;
	*nchanged = 0;
	if (secrecord_store_from_hex(workspace_id(ws), store) == -1) {
		*cause = xasprintf(_("%s: the workspace id is malformed"),
		    workspace_file(ws));
		return SEC_EFORMAT;
	}
	if (connection_list_load(ws, &l, cause) == -1)
		return SEC_EFORMAT;
	for (i = 0; i < l.n && st == SEC_OK; i++) {
		path = connection_secrets_path(ws, l.items[i]->id);
		if (record_stale(ws, l.items[i], path, removed_user, &stale,
		    cause) == -1)
			st = SEC_EINTEGRITY;
		else if (stale) {
			st = record_sync(ws, me, l.items[i], path, store,
			    removed_user, &did, cause);
			if (st == SEC_OK && did) {
				*changed = xreallocarray(*changed,
				    *nchanged + 1, sizeof **changed);
				(*changed)[(*nchanged)++] =
				    xstrdup(l.items[i]->name);
			}
		}
		free(path);
	}
	connection_list_free(&l);
	return st;
}
