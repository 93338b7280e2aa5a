/* Listing a folder's segments, with a cache of member counts. */
#include "config.h"

#include <sys/types.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/fileio.h"
#include "base/i18n.h"
#include "base/xmalloc.h"
#include "data/csv.h"
#include "data/segments.h"

#define SEGMENTS_CACHE_VERSION	1
#define SEGMENTS_CACHE_CAP	(8u * 1024 * 1024)

/* Order segments by name, byte by byte. */
static int
segments_cmp(const void *a, const void *b)
{
	const struct segment	*sa = a, *sb = b;

	return strcmp(sa->name, sb->name);
}

/* Read the header and count the records of one file. Returns 1 if the
 * result may be cached (the file could be read to the end). */
static int
segments_scan(struct segment *seg)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	const char *const	*hdr;
	enum csv_status		 st;
	char			*cause = NULL;
	size_t			 i;
	int			 fd;

	/* Tell an unreadable file (not cached) from a bad header (cached). */
	fd = open(seg->file, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		seg->error = xasprintf(_("cannot open %1$s: %2$s"), seg->file,
		    strerror(errno));
		return 0;
	}
	close(fd);
	if (csv_open(seg->file, &r, &cause) != 0) {
		seg->error = cause;
		return 1;
	}
	hdr = csv_header_peek(r, &seg->nfields);
	seg->fields = xcalloc(seg->nfields + 1, sizeof *seg->fields);
	for (i = 0; i < seg->nfields; i++)
		seg->fields[i] = xstrdup(hdr[i]);
	while ((st = csv_next(r, &row, &cause)) != CSV_EOF) {
		if (st == CSV_IO_ERROR) {
			seg->error = cause;
			csv_close(&r);
			return 0;
		}
		if (st == CSV_ROW_ERROR)
			xfree(&cause);
		seg->members++;
	}
	csv_close(&r);
	seg->usable = 1;
	return 1;
}

/* The cache entry for file name with this stat, or NULL. */
static cJSON *
segments_cache_find(cJSON *cache, const char *name, const struct stat *sb)
{
	cJSON	*files, *e, *v;

	files = cJSON_GetObjectItemCaseSensitive(cache, "files");
	cJSON_ArrayForEach(e, files) {
		v = cJSON_GetObjectItemCaseSensitive(e, "file");
		if (!cJSON_IsString(v) || strcmp(v->valuestring, name) != 0)
			continue;
		v = cJSON_GetObjectItemCaseSensitive(e, "size");
		if (!cJSON_IsNumber(v) || v->valuedouble != (double)sb->st_size)
			return NULL;
		v = cJSON_GetObjectItemCaseSensitive(e, "mtime");
		if (!cJSON_IsNumber(v) ||
		    v->valuedouble != (double)sb->st_mtim.tv_sec)
			return NULL;
		v = cJSON_GetObjectItemCaseSensitive(e, "mtime_nsec");
		if (!cJSON_IsNumber(v) ||
		    v->valuedouble != (double)sb->st_mtim.tv_nsec)
			return NULL;
		return e;
	}
	return NULL;
}

/* Fill seg from a cache entry; 0 if the entry is well-formed. */
static int
segments_from_cache(struct segment *seg, cJSON *e)
{
	cJSON	*members, *fields, *error, *f;
	size_t	 i = 0;

	members = cJSON_GetObjectItemCaseSensitive(e, "members");
	fields = cJSON_GetObjectItemCaseSensitive(e, "fields");
	error = cJSON_GetObjectItemCaseSensitive(e, "error");
	if (!cJSON_IsNumber(members) || members->valuedouble < 0 ||
	    !cJSON_IsArray(fields) ||
	    !(cJSON_IsString(error) || cJSON_IsNull(error)))
		return -1;
	cJSON_ArrayForEach(f, fields) {
		if (!cJSON_IsString(f))
			return -1;
	}
	seg->nfields = (size_t)cJSON_GetArraySize(fields);
	seg->fields = xcalloc(seg->nfields + 1, sizeof *seg->fields);
	cJSON_ArrayForEach(f, fields)
		seg->fields[i++] = xstrdup(f->valuestring);
	seg->members = (unsigned long long)members->valuedouble;
	if (cJSON_IsString(error))
		seg->error = xstrdup(error->valuestring);
	else
		seg->usable = 1;
	return 0;
}

/* A cache entry for seg. */
static cJSON *
segments_cache_entry(const struct segment *seg, const char *name,
    const struct stat *sb)
{
	cJSON	*e, *fields;
	size_t	 i;

	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "file", name);
	cJSON_AddNumberToObject(e, "size", (double)sb->st_size);
	cJSON_AddNumberToObject(e, "mtime", (double)sb->st_mtim.tv_sec);
	cJSON_AddNumberToObject(e, "mtime_nsec", (double)sb->st_mtim.tv_nsec);
	cJSON_AddNumberToObject(e, "members", (double)seg->members);
	fields = cJSON_AddArrayToObject(e, "fields");
	for (i = 0; i < seg->nfields; i++)
		cJSON_AddItemToArray(fields,
		    cJSON_CreateString(seg->fields[i]));
	if (seg->error != NULL)
		cJSON_AddStringToObject(e, "error", seg->error);
	else
		cJSON_AddNullToObject(e, "error");
	return e;
}

/* Load the cache, or NULL when it is missing, unreadable or corrupt. */
static cJSON *
segments_cache_load(const char *path)
{
	cJSON	*cache, *v;
	char	*buf, *cause = NULL;
	size_t	 len;

	if (fileio_read(path, SEGMENTS_CACHE_CAP, 1, &buf, &len,
	    &cause) != 0) {
		free(cause);
		return NULL;
	}
	cache = cJSON_ParseWithLength(buf, len);
	free(buf);
	v = cJSON_GetObjectItemCaseSensitive(cache, "version");
	if (!cJSON_IsNumber(v) || v->valueint != SEGMENTS_CACHE_VERSION ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(cache, "files"))) {
		cJSON_Delete(cache);
		return NULL;
	}
	return cache;
}

/* Write the cache; a failure only costs a rescan next time. */
static void
segments_cache_save(const char *path, mode_t mode, gid_t gid, cJSON *files)
{
	cJSON	*cache;
	char	*text, *cause = NULL;

	cache = cJSON_CreateObject();
	cJSON_AddNumberToObject(cache, "version", SEGMENTS_CACHE_VERSION);
	cJSON_AddItemToObject(cache, "files", files);
	text = cJSON_PrintUnformatted(cache);
	if (text != NULL &&
	    fileio_write_atomic(path, text, strlen(text), mode, gid,
	    &cause) != 0)
		free(cause);
	cJSON_free(text);
	cJSON_Delete(cache);
}

/* Fill seg for the file name in dir, from the cache or by reading it. */
static void
segments_one(struct segment *seg, const char *name, const struct stat *sb,
    cJSON *cache, cJSON *newfiles, int *changed, size_t *scanned)
{
	cJSON	*e;
	size_t	 len = strlen(name);

	seg->name = xstrndup(name, len - 4);
	if (!csv_utf8_valid(name, len)) {
		seg->error = xasprintf(_("the file name %s is not UTF-8; "
		    "rename it to use it as a segment"), seg->file);
		*changed = 1;
		return;
	}
	if (len == 4) {
		seg->error = xasprintf(_("the file %s gives the segment no "
		    "name; rename it to use it as a segment"), seg->file);
		*changed = 1;
		return;
	}
	e = segments_cache_find(cache, name, sb);
	if (e != NULL && segments_from_cache(seg, e) == 0) {
		cJSON_AddItemToArray(newfiles, cJSON_Duplicate(e, 1));
		return;
	}
	*changed = 1;
	(*scanned)++;
	if (segments_scan(seg))
		cJSON_AddItemToArray(newfiles,
		    segments_cache_entry(seg, name, sb));
}

int
segments_list(const char *dir, const char *cache_path,
    struct segment_list **listp, char **cause)
{
	return segments_list_mode(dir, cache_path, 0600, (gid_t)-1, listp,
	    cause);
}

int
segments_list_mode(const char *dir, const char *cache_path, mode_t mode,
    gid_t gid, struct segment_list **listp, char **cause)
{
	struct segment_list	*list;
	struct segment		*seg;
	struct dirent		*de;
	struct stat		 sb;
	DIR			*d;
	cJSON			*cache = NULL, *newfiles;
	char			*path;
	size_t			 len, cap = 0;
	int			 changed = 0;

	*listp = NULL;
	d = opendir(dir);
	if (d == NULL) {
		*cause = xasprintf(_("cannot open the data folder %1$s: %2$s"),
		    dir, strerror(errno));
		return -1;
	}
	if (cache_path != NULL)
		cache = segments_cache_load(cache_path);
	if (cache_path != NULL && cache == NULL)
		changed = 1;
	newfiles = cJSON_CreateArray();
	list = xcalloc(1, sizeof *list);
	while ((errno = 0, de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".csv") != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(path);
			continue;
		}
		if (list->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			list->v = xreallocarray(list->v, cap, sizeof *list->v);
		}
		seg = &list->v[list->n++];
		memset(seg, 0, sizeof *seg);
		seg->file = path;
		segments_one(seg, de->d_name, &sb, cache, newfiles, &changed,
		    &list->scanned);
	}
	if (errno != 0) {
		*cause = xasprintf(_("cannot read the data folder %1$s: %2$s"),
		    dir, strerror(errno));
		closedir(d);
		cJSON_Delete(cache);
		cJSON_Delete(newfiles);
		segments_free(&list);
		return -1;
	}
	closedir(d);
	/* Entries of files that are gone are dropped from the cache too. */
	if (cache != NULL && cJSON_GetArraySize(newfiles) !=
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cache,
	    "files")))
		changed = 1;
	cJSON_Delete(cache);
	if (cache_path != NULL && changed)
		segments_cache_save(cache_path, mode, gid, newfiles);
	else
		cJSON_Delete(newfiles);
	if (list->n > 1)
		qsort(list->v, list->n, sizeof *list->v, segments_cmp);
	*listp = list;
	return 0;
}

void
segments_free(struct segment_list **listp)
{
	struct segment_list	*list = *listp;
	struct segment		*seg;
	size_t			 i, j;

	if (list == NULL)
		return;
	for (i = 0; i < list->n; i++) {
		seg = &list->v[i];
		for (j = 0; j < seg->nfields; j++)
			free(seg->fields[j]);
		free(seg->fields);
		free(seg->name);
		free(seg->file);
		free(seg->error);
	}
	free(list->v);
	free(list);
	*listp = NULL;
}

cJSON *
segments_to_json(const struct segment_list *list)
{
	const struct segment	*seg;
	cJSON			*a, *o, *fields;
	size_t			 i, j;

	a = cJSON_CreateArray();
	for (i = 0; i < list->n; i++) {
		seg = &list->v[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", seg->name);
		cJSON_AddNumberToObject(o, "members", (double)seg->members);
		fields = cJSON_AddArrayToObject(o, "fields");
		for (j = 0; j < seg->nfields; j++) {
			cJSON_AddItemToArray(fields,
			    cJSON_CreateString(seg->fields[j]));
		}
		cJSON_AddStringToObject(o, "file", seg->file);
		if (!seg->usable) {
			cJSON_AddFalseToObject(o, "usable");
			cJSON_AddStringToObject(o, "error", seg->error);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

int
segments_sample(const char *path, const char *field, size_t max,
    char ***valuesp, size_t *np, char **cause)
{
	struct csv_reader	*r;
	struct csv_row		 row;
	enum csv_status		 st;
	char			*rowcause = NULL;
	long			 idx;

	*valuesp = NULL;
	*np = 0;
	if (csv_open(path, &r, cause) != 0)
		return -1;
	idx = csv_field_index(r, field);
	if (idx == -1) {
		*cause = xasprintf(_("%1$s has no field named \"%2$s\""), path,
		    field);
		csv_close(&r);
		return -1;
	}
	*valuesp = xcalloc(max + 1, sizeof **valuesp);
	while (*np < max && (st = csv_next(r, &row, &rowcause)) != CSV_EOF) {
		if (st == CSV_IO_ERROR) {
			*cause = rowcause;
			segments_sample_free(valuesp, *np);
			*np = 0;
			csv_close(&r);
			return -1;
		}
		if (st == CSV_ROW_ERROR) {
			xfree(&rowcause);
			continue;
		}
		(*valuesp)[(*np)++] = xstrdup(row.fields[idx].s);
	}
	csv_close(&r);
	return 0;
}

void
segments_sample_free(char ***valuesp, size_t n)
{
	size_t	i;

	if (*valuesp == NULL)
		return;
	for (i = 0; i < n; i++)
		free((*valuesp)[i]);
	xfree(valuesp);
}

const struct segment *
segments_find(const struct segment_list *l, const char *name)
{
	size_t	i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}
