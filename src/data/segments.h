/*
 * The segments of a data folder (shared/docs/product.md, "Segments and
 * profiles"): every "*.csv" file in it is one segment, named after the
 * file without ".csv" (UTF-8 kept as is), listed in byte order of names.
 *
 * Each segment has its fields (the header's names), a member count and,
 * when it cannot be used, the reason. Nothing is skipped silently: a file
 * whose header is missing, empty or has duplicate names, that cannot be
 * read, or whose name is not UTF-8 is listed as unusable with a sentence
 * saying why.
 *
 * The member count is the number of data records read, malformed ones
 * included (a run counts them as "read" too), so it matches the "read"
 * count of a run over the whole segment.
 *
 * Counting means reading the whole file, so counts and fields are cached
 * by (file name, size, mtime to the nanosecond) in a small JSON file whose
 * path the caller gives; a cache entry that does not match, or a cache
 * file that is corrupt, is ignored and the cache is rewritten (mode 0600,
 * atomically). Failing to write the cache does not fail the listing.
 * Files that could not be opened or read are not cached.
 *
 * Errors: functions returning int return 0 on success and -1 with *cause
 * set to a malloc'd sentence (caller frees).
 */
#ifndef SEGSYNC_SRC_DATA_SEGMENTS_H
#define SEGSYNC_SRC_DATA_SEGMENTS_H

#include <sys/types.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct segment {
	char			*name;		/* file name without .csv */
	char			*file;		/* path: folder + file name */
	char			**fields;	/* header names */
	size_t			 nfields;
	unsigned long long	 members;	/* malformed included */
	int			 usable;
	char			*error;		/* why not usable, or NULL */
};

struct segment_list {
	struct segment		*v;
	size_t			 n;
	size_t			 scanned;	/* files read, not from cache */
};

/*
 * List the segments of folder dir. cache_path is the count cache (NULL:
 * no cache). Fails only when the folder cannot be read; *listp is owned by
 * the caller, freed with segments_free().
 */
int	segments_list(const char *dir, const char *cache_path,
	    struct segment_list **listp, char **cause);

/*
 * The same, writing the cache with this mode and group ((gid_t)-1: keep)
 * instead of 0600, for a workspace shared with a group, whose members
 * then share the cache.
 */
int	segments_list_mode(const char *dir, const char *cache_path,
	    mode_t mode, gid_t gid, struct segment_list **listp,
	    char **cause);
/* The segment named name in the list, or NULL. */
const struct segment *segments_find(const struct segment_list *,
	    const char *name);

/* Free *listp and set it to NULL. NULL is allowed. */
void	segments_free(struct segment_list **listp);

/*
 * The list as `segments --json` prints it (shared/docs/cli.md):
 * [{"name", "members", "fields", "file"}], plus "usable": false and
 * "error" for a segment that cannot be used. Caller frees with
 * cJSON_Delete().
 */
cJSON	*segments_to_json(const struct segment_list *list);

/*
 * Up to max values of field in the first well-formed records of the
 * segment file at path, for showing samples. *valuesp is a malloc'd array
 * of *np malloc'd strings; free it with segments_sample_free().
 */
int	segments_sample(const char *path, const char *field, size_t max,
	    char ***valuesp, size_t *np, char **cause);

/* Free what segments_sample() returned and set *valuesp to NULL. */
void	segments_sample_free(char ***valuesp, size_t n);

#endif
