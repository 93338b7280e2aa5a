/*
 * Destination drivers (shared/docs/architecture.md, "Destination
 * drivers"): one constant table per destination, so that the command line,
 * the wizard screens and the delivery pipeline read tables and never
 * switch on the destination type. Adding a destination is adding a file
 * and a line to the registry, dest_registry[] in registry.c (test programs
 * link a registry of their own, with a test-only driver: tests/nulldest.c).
 *
 * A driver describes:
 * - what a connection asks for (conn_fields), the export's target
 *   (target) and which profile fields can be mapped (slots, attrs);
 * - its limits (batch size, bytes per request, rate, concurrency);
 * - how to check credentials (test) and a target (verify_target), in
 *   words;
 * - how a batch of profiles becomes one HTTP request (encode) and how the
 *   answer maps back to each profile (decode);
 * - how a batch of profiles that left the export's segments is removed
 *   from the target (encode_remove, decode_remove: data-rules.md "What a
 *   removal is"), and whether it can update existing profiles only
 *   (update_only);
 * - for a destination that only queues what it is sent (Brevo's import
 *   processes), how to read the outcome of its jobs (confirm).
 *
 * Protocol:
 *
 *	d = dest_find(conn->type);
 *	dest_session_new(d, conn, rec, &s, &cause);	base URL, auth header
 *	outcome = d->test(s, engine, &message);
 *	outcome = d->verify_target(s, engine, target, &name, &message);
 *	per batch:
 *	    r = d->encode(s, target, profiles, n, warned, &req, &cause);
 *	    http_request_callback(req, ...); http_submit(engine, req, ...);
 *	    in the callback: verdict = d->decode(s, resp, profiles, n,
 *		results, &message); ... dest_results_clear(results, n);
 *	    on DEST_BATCH_REAUTH: d->reauth(s, gen, &cause) once, where gen
 *		is s->auth_gen when the batch was encoded; then encode and
 *		submit the batch again
 *	in mirror mode, once every add batch is answered, per removal
	batch of at most d->remove_batch_max profiles (their keys only):
	    r = d->encode_remove(s, target, profiles, n, &req, &cause);
	    submit as above; in the callback: verdict =
		d->decode_remove(s, resp, profiles, n, results, &message);
		the same verdicts, DEST_BATCH_REAUTH too
	with s->update_only set (the export's mode is update-only; only
	drivers with update_only), encode() creates no profile
	once every batch is answered, if results carried jobs and the
 *	driver has confirm (src/run/confirm.c does this part):
 *	    outcome = d->confirm(s, engine, jobs, njobs, &message);
 *	    again, spaced out, while some jobs stay DEST_JOB_PENDING
 *	dest_session_free(&s);
 *
 * OAuth drivers (Snapchat) renew their access token by themselves, and
 * save a refresh token the destination rotated through the session's
 * credential store (dest_session_credstore(), before the first test,
 * verify_target or encode): without one they cannot renew a token and say so.
 *
 * Strings in the tables are static; labels and help texts are marked with
 * N_() and must be shown through _(). Every function returning a message
 * or cause gives a malloc'd sentence the caller frees.
 */
#ifndef SEGSYNC_SRC_DEST_DEST_H
#define SEGSYNC_SRC_DEST_DEST_H

#include <stddef.h>
#include <stdint.h>

#include "net/http.h"
#include "net/ratelimit.h"

struct connection;
struct http_request;
struct secrecord;
struct secret;

/* The most conn_fields a driver may have (arrays of values hold as many). */
#define DEST_MAX_CONN_FIELDS	8

/*
 * One thing a connection asks for. key is the settings key in
 * connections/<id>.json, or the field name in the encrypted record when
 * secret is set (a secret is read from a file given with --option, never
 * from the command line itself).
 */
struct dest_field {
	const char	*key;		/* "api_key", "endpoint", "base_url" */
	const char	*label;		/* N_("REST API key") */
	const char	*option;	/* command line, no "--": "api-key-file" */
	int		 secret;	/* stored encrypted, masked when typed */
	int		 required;
	const char	*help;		/* N_(), one or two sentences */
	const char	*metavar;	/* the option's value: "FILE"; a
					   DEST_METAVAR_URL value is checked
					   with http_url_check() first */
	/*
	 * N_(), the option's help in 'connection add --help', without the
	 * destinations it applies to (the command line names them): the
	 * same text in every driver that has the option.
	 */
	const char	*cli_help;
};

#define DEST_METAVAR_URL	"URL"

/*
 * Values the connection wizard offers for a field (the Braze instances'
 * REST endpoints): suggestions only, any value is accepted.
 */
struct dest_suggest {
	const char		*key;		/* a conn_fields key */
	const char *const	*values;	/* NULL-terminated */
};

/* The export's target: Braze segment API identifier, list ID, ... */
struct dest_target {
	const char	*label;		/* N_("Braze segment API identifier") */
	const char	*help;		/* N_() */
};

/*
 * Profile fields a mapping can fill. Each driver lists the slots it
 * offers (a subset, in the order the wizard shows them); the values reach
 * encode() normalised in struct dest_profile.
 */
enum dest_slot_id {
	DEST_SLOT_EMAIL,
	DEST_SLOT_CUSTOMER_ID,
	DEST_SLOT_FIRSTNAME,
	DEST_SLOT_LASTNAME,
	DEST_SLOT_PHONE,
	DEST_SLOT_COUNT
};

struct dest_slot {
	enum dest_slot_id	 id;
	const char		*key;	/* "email", "customer_id", ... */
	const char		*label;	/* N_("Braze customer ID") */
	int			 required;
};

/*
 * Sending limits. batch_default profiles per request unless the session
 * is given another size (dest_session_set_batch, at most batch_max: the
 * benchmarks and tests do); a request body never over
 * max_request_bytes (encode() asks for a split instead); rate is the
 * account's documented budget for the delivery endpoint (the session's
 * limiter is made from it); concurrency is how many batches may be in
 * flight at once. other_rate, when its limit is not 0, is a second budget
 * of the account for the endpoints outside the delivery one that a run
 * or a check uses (Brevo's hourly "all other endpoints" bucket, shared by
 * /account and /processes); the session's other_limiter is made from it.
 */
struct dest_limits {
	unsigned		batch_default;
	unsigned		batch_max;
	size_t			max_request_bytes;
	struct ratelimit_config	rate;
	unsigned		concurrency;
	struct ratelimit_config	other_rate;
	size_t			attr_name_max;	/* bytes of an attr:NAME
						   mapping's name (attrs) */
};

/* How a credentials check or a target verification came out. */
enum dest_outcome {
	DEST_OK,		/* works; message says what was found */
	DEST_WARNING,		/* usable, but something is missing (e.g. a
				   permission needed only to verify) */
	DEST_AUTH,		/* credentials refused */
	DEST_PERMISSION,	/* credentials fine, a needed right missing */
	DEST_NOT_FOUND,		/* verify_target: no such target */
	DEST_UNREACHABLE,	/* no answer: network, DNS, refused, time-out */
	DEST_CONFIG,		/* the connection's settings are wrong */
	DEST_OTHER		/* anything else (5xx, odd answer) */
};

/* A custom attribute of a profile: name and value, both borrowed. */
struct dest_attr {
	const char	*name;
	const char	*value;
};

/*
 * One profile to send. Every string is borrowed, NUL-terminated, already
 * normalised by the data rules (shared/docs/data-rules.md) and NULL when
 * absent, empty or (phone) invalid; attrs hold only non-empty values.
 * segments are the names of the exported segments the profile belongs to,
 * sorted by code point (byte order). ref is the caller's, never read: it
 * maps results back to a segment and line.
 */
struct dest_profile {
	const char		*email;		/* never NULL */
	const char		*customer_id;
	const char		*firstname;
	const char		*lastname;
	const char		*phone;		/* E.164 */
	const struct dest_attr	*attrs;
	size_t			 nattrs;
	const char *const	*segments;
	size_t			 nsegments;
	uint64_t		 ref;
};

/*
 * What decode() says of one profile of the batch: accepted (both flags
 * 0), rejected with a reason, or not processed and to be sent again in
 * another batch (resend: the destination refused the request because of
 * other profiles in it).
 *
 * job is set when the destination only queued the profile: the ID of the
 * asynchronous job (Brevo's import processId) that will decide it. Such a
 * profile counts as accepted for now; the confirmation phase after the
 * delivery (src/run/confirm.c) reads each job through the driver's confirm()
 * and may still reject it. Copy job out before dest_results_clear(),
 * which zeroes it.
 */
struct dest_result {
	int		 rejected;	/* the destination refused this profile */
	int		 resend;	/* not processed: send it again */
	char		*reason;	/* malloc'd, in words, when rejected */
	uint64_t	 job;		/* see below; 0: the answer is final */
};

/*
 * One asynchronous job of the destination, as confirm() reads it: the
 * caller sets id (and state DEST_JOB_PENDING); confirm() sets the rest.
 *
 * DEST_JOB_DONE: the job is applied. report, when not NULL, lists the
 * profiles it refused all the same, as normalised emails (lowercase, as
 * data-rules.md makes them), each followed by a NUL, report_len bytes in
 * all; report_reason (in words, naming the job) says why.
 *
 * DEST_JOB_FAILED: nothing of it was applied, or whether anything was
 * cannot be known (the destination has no such job): every profile of
 * the job is rejected with reason (in words, naming the job).
 *
 * warning, in any state, is something confirm() could not do that the
 * run should show (a report that could not be read); nothing is rejected
 * for it. Every string is malloc'd; dest_job_clear() frees them.
 */
enum dest_job_state {
	DEST_JOB_PENDING,	/* not decided yet: ask again later */
	DEST_JOB_DONE,
	DEST_JOB_FAILED
};

struct dest_job {
	uint64_t		 id;
	enum dest_job_state	 state;
	char			*reason;
	char			*report;
	size_t			 report_len;
	char			*report_reason;
	char			*warning;
};

/* What decode() says of the whole batch. */
enum dest_verdict {
	DEST_BATCH_DONE,	/* answered: results[] hold each profile */
	DEST_BATCH_SPLIT,	/* too large: send each half on its own */
	DEST_BATCH_RETRY,	/* not now (transient): send it again later */
	DEST_BATCH_FATAL,	/* stop the delivery: *message says why */
	DEST_BATCH_REAUTH	/* the credentials expired: call reauth()
				   once, then send it again (drivers with
				   reauth only; without, it is fatal) */
};

/*
 * What a credential store's update() calls under the lock: cur is the field's
 * value in the record as saved now (NULL when absent); set *newval (owned by
 * the credential store from then on) to have it saved, or leave it NULL. 0, or
 * -1 with *cause (nothing is saved then).
 */
typedef int dest_credstore_fn(const struct secret *cur, struct secret **newval,
	    void *arg, char **cause);

/*
 * Where a session saves a credential that changes while it lives (an
 * OAuth refresh token the destination rotates), given by whoever opened
 * the connection's record (store/credstore.h makes one on a workspace).
 * update() takes the lock that serialises changes to the record, re-reads the
 * record, calls fn with the current value of field and, when fn gives a
 * new value, saves the record atomically before releasing the lock, so
 * that two processes never use or overwrite each other's rotated token.
 * 0, or -1 with *cause (fn's, or why the record could not be saved).
 */
struct dest_credstore {
	int	(*update)(void *arg, const char *field, dest_credstore_fn *fn,
		    void *fnarg, char **cause);
	void	*arg;
};

/*
 * A session: one connection ready to talk, made by dest_session_new().
 * Callers read these fields and never change them; the driver owns priv.
 */
struct dest_session {
	const struct dest_driver *driver;
	char			*base_url;	/* checked, no trailing '/' */
	char			*account;	/* for messages: the endpoint */
	struct secret		*auth;		/* header line, NUL-terminated */
	struct ratelimit	*limiter;	/* owned; every request's */
	struct ratelimit	*other_limiter;	/* owned; limits.other_rate's,
						   or NULL */
	unsigned		 batch_size;
	unsigned		 auth_gen;	/* +1 each time auth changes */
	int			 auth_refused;	/* the credentials were refused
						   for good (re-authorize): a
						   failure of encode() is then
						   a credentials failure */
	const struct dest_credstore *credstore;	/* borrowed; may be NULL */
	int			 update_only;	/* the export's mode is
						   update-only: encode()
						   creates no profile
						   (drivers with
						   update_only) */
	void			*priv;
};

/*
 * Every function pointer of a driver must be set, except the ones marked
 * optional (session_close, confirm, reauth, list_targets);
 * tests/unit/test_drivers.c
 * checks every driver of the registry against this.
 */
struct dest_pick;

struct dest_driver {
	const char		*id;		/* "braze": connection type */
	const char		*label;		/* N_("Sendinblue (Brevo)") */
	const char		*short_label;	/* N_("Sendinblue"): in lists
						   and narrow columns */
	const struct dest_field	*conn_fields;	/* ends with key NULL */
	const struct dest_suggest *suggest;	/* ends with key NULL; or NULL */
	struct dest_target	 target;
	const struct dest_slot	*slots;		/* ends with key NULL */
	int			 attrs;		/* accepts attr:NAME mappings */
	struct dest_limits	 limits;

	/*
	 * N_(), what the run's progress screen says of the confirmation
	 * phase (drivers with confirm), or NULL.
	 */
	const char		*confirm_help;

	/*
	 * OAuth 2 drivers (oauth.h): the authorization server unless the
	 * connection's auth_url setting says otherwise, and the scope to
	 * ask for. NULL for drivers with API keys. The connection's
	 * record then holds OAUTH_REFRESH_FIELD and the conn_fields entry
	 * oauth_secret (the client secret), and its settings client_id and
	 * redirect_uri (read by dest_oauth_app()).
	 */
	const char		*oauth_url;
	const char		*oauth_scope;
	const char		*oauth_secret;	/* "client_secret" */

	/*
	 * Keeping a destination in step (data-rules.md): whether the
	 * driver offers the update-only mode (encode() then marks every
	 * profile to update only, when s->update_only is set), and how
	 * many profiles one removal request takes at most.
	 */
	int			 update_only;
	unsigned		 remove_batch_max;

	/*
	 * Fill s->base_url, s->account, s->auth and s->priv from the
	 * connection settings and the decrypted record (borrowed: the
	 * session keeps copies). 0, or -1 with *cause.
	 */
	int	(*session_open)(struct dest_session *s,
		    const struct connection *conn, const struct secrecord *rec,
		    char **cause);
	/*
	 * Optional: free s->priv (the rest is freed by
	 * dest_session_free()).
	 */
	void	(*session_close)(struct dest_session *s);

	/* Check a target's syntax before asking the destination. */
	int	(*target_check)(const char *target, char **cause);

	/*
	 * Check the credentials against the destination, synchronously
	 * (submit, then http_drain()). *message (always set) says in words
	 * which account answered, or why it failed.
	 */
	enum dest_outcome (*test)(struct dest_session *s,
		    struct http_engine *e, char **message);

	/*
	 * Look the target up. DEST_OK sets *found_name (malloc'd) to its
	 * name at the destination; DEST_NOT_FOUND when it is not there;
	 * DEST_WARNING when the destination cannot be asked with these
	 * credentials but delivery may still work. *message always set.
	 */
	enum dest_outcome (*verify_target)(struct dest_session *s,
		    struct http_engine *e, const char *target,
		    char **found_name, char **message);

	/*
	 * The targets these credentials can see, for picking one rather
	 * than typing its ID (at most DEST_PICKS_MAX): DEST_OK with *out
	 * and *n (free with dest_picks_free()), else *message. NULL: the
	 * destination cannot list them.
	 */
	enum dest_outcome (*list_targets)(struct dest_session *s,
		    struct http_engine *e, struct dest_pick **out,
		    size_t *n, char **message);

	/*
	 * One request for n profiles (1 <= n <= s->batch_size), with the
	 * auth header, the body and the session's limiter set; the caller
	 * adds its callback and submits it. warned (n entries, may be
	 * NULL) gets 1 for each profile sent with something left out by
	 * the driver (e.g. segment names past a destination's cap), else 0.
	 * Returns 0 with *reqp, 1 when the body would pass
	 * max_request_bytes (split the batch; nothing allocated), or -1
	 * with *cause.
	 */
	int	(*encode)(struct dest_session *s, const char *target,
		    const struct dest_profile *profiles, size_t n,
		    unsigned char *warned, struct http_request **reqp,
		    char **cause);

	/*
	 * Read the answer to the encode()d batch of the n profiles (the
	 * same array, so that errors naming an identifier can be tied to
	 * their profile). results (n entries, zeroed by the caller) are
	 * filled on DEST_BATCH_DONE only. *message is set on
	 * DEST_BATCH_FATAL and DEST_BATCH_RETRY, and may be set on
	 * DEST_BATCH_DONE to report errors the destination did not tie to
	 * any profile (a warning to show; nothing was rejected for it).
	 */
	enum dest_verdict (*decode)(struct dest_session *s,
		    const struct http_response *resp,
		    const struct dest_profile *profiles, size_t n,
		    struct dest_result *results, char **message);

	/*
	 * One request removing n profiles (1 <= n <= remove_batch_max)
	 * from the target, as data-rules.md "What a removal is" says for
	 * the destination: the profiles carry only their key (email, and
	 * customer_id when it was the key), no segments, no other field.
	 * The request draws on the limiter of the endpoint it calls.
	 * Returns like encode().
	 */
	int	(*encode_remove)(struct dest_session *s, const char *target,
		    const struct dest_profile *profiles, size_t n,
		    struct http_request **reqp, char **cause);

	/*
	 * Read the answer to an encode_remove()d request, like decode():
	 * results[i].rejected when the destination refused to remove that
	 * profile (with the reason); one it says it does not hold is
	 * removed, not rejected.
	 */
	enum dest_verdict (*decode_remove)(struct dest_session *s,
		    const struct http_response *resp,
		    const struct dest_profile *profiles, size_t n,
		    struct dest_result *results, char **message);

	/*
	 * Optional (NULL when decode() never sets a job): one round of
	 * reading the state of the n jobs, all DEST_JOB_PENDING and in
	 * increasing id order, with as few requests as the destination
	 * allows (they draw on s->other_limiter where the destination
	 * counts them apart), synchronously. Sets each job it could read
	 * and leaves the others pending. DEST_OK when the round went
	 * through; otherwise the outcome of what stopped it, with
	 * *message: DEST_AUTH and DEST_CONFIG mean asking again is of no
	 * use, anything else that a later round may do better.
	 */
	enum dest_outcome (*confirm)(struct dest_session *s,
		    struct http_engine *e, struct dest_job *jobs, size_t n,
		    char **message);

	/*
	 * Optional (OAuth drivers): renew the credentials after decode()
	 * said DEST_BATCH_REAUTH for a batch encoded when s->auth_gen was
	 * gen. Nothing is asked when they were renewed since (another
	 * batch's answer came first). Synchronous, on the driver's own
	 * engine, so it may run inside a completion callback. 0, or -1
	 * with *cause (in words: what the administrator must do).
	 */
	int	(*reauth)(struct dest_session *s, unsigned gen, char **cause);
};

/*
 * A target as list_targets() found it: its ID (what the export keeps),
 * its name, and a few words more ("folder Clients, 41 contacts"), or
 * NULL; all malloc'd.
 */
struct dest_pick {
	char	*id;
	char	*name;
	char	*detail;
};

#define DEST_PICKS_MAX	5000

/* Append a target (copies of id, name; detail taken). */
void	dest_picks_add(struct dest_pick **v, size_t *n, const char *id,
	    const char *name, char *detail);
void	dest_picks_free(struct dest_pick **v, size_t *n);

/* The driver of a connection type ("braze", ...), or NULL. */
const struct dest_driver	*dest_find(const char *id);

/* Every driver, in the order the wizard lists them; NULL-terminated. */
const struct dest_driver *const	*dest_all(void);

/*
 * The registry behind dest_find() and dest_all(), NULL-terminated: the
 * only object of registry.c, so that a program linking another registry
 * before the core gets that one instead.
 */
extern const struct dest_driver *const	dest_registry[];

/* What dest_names() lists of each driver. */
enum dest_name {
	DEST_NAME_ID,		/* "sendinblue" */
	DEST_NAME_LABEL,	/* "Sendinblue (Brevo)", translated */
	DEST_NAME_SHORT,	/* "Sendinblue", translated */
	DEST_NAME_TARGET	/* "Sendinblue list ID", translated */
};

/*
 * The drivers for which keep() is true (every one when keep is NULL), as
 * a sentence lists them: "A, B and C" with sep ", " and last " and ", or
 * "a|b|c" with sep and last "|". malloc'd.
 */
char	*dest_names(enum dest_name, int (*keep)(const struct dest_driver *),
	    const char *sep, const char *last);

/* Whether the driver authorizes with OAuth, or confirms its jobs. */
int	 dest_is_oauth(const struct dest_driver *);
int	 dest_has_confirm(const struct dest_driver *);

struct oauth_app;
/*
 * The OAuth app of connection conn of an OAuth driver: the auth_url
 * setting (else the driver's oauth_url), client_id, redirect_uri (empty
 * when absent), the driver's scope and label, and client_secret. Every
 * string is borrowed from conn, d and client_secret.
 */
void	 dest_oauth_app(const struct dest_driver *,
	    const struct connection *, const struct secret *client_secret,
	    struct oauth_app *);

/* The client secret in an OAuth connection's record, or NULL. */
const struct secret *dest_oauth_secret(const struct dest_driver *,
	    const struct secrecord *);

/* The suggestions for a connection field, or NULL. */
const char *const	*dest_suggestions(const struct dest_driver *,
			    const char *key);

/* The slot entry of a driver for id, or NULL if it has none. */
const struct dest_slot	*dest_slot_find(const struct dest_driver *,
			    enum dest_slot_id id);
/* The slot entry of a driver by key ("email"), or NULL. */
const struct dest_slot	*dest_slot_by_key(const struct dest_driver *,
			    const char *key);

/* The outcome as a short word for JSON output ("ok", "auth", ...). */
const char		*dest_outcome_name(enum dest_outcome);

/*
 * A session for conn (whose type names d) with its decrypted record
 * (borrowed; copies are kept in secret memory). The base URL is checked
 * with http_url_check(). *sp is owned by the caller, freed with
 * dest_session_free(). 0, or -1 with *cause.
 */
int	dest_session_new(const struct dest_driver *d,
	    const struct connection *conn, const struct secrecord *rec,
	    struct dest_session **sp, char **cause);

/*
 * Give the session a credential store (borrowed: it must outlive the session),
 * or NULL for none.
 */
void	dest_session_credstore(struct dest_session *,
	    const struct dest_credstore *);

/* Change the batch size (1 to the driver's batch_max). 0, or -1. */
int	dest_session_set_batch(struct dest_session *, unsigned n,
	    char **cause);

/* Wipe the auth header, free *sp and set it to NULL. NULL is allowed. */
void	dest_session_free(struct dest_session **sp);

/* What a synchronous request got back, copied out of the callback. */
struct dest_reply {
	int			 done;
	enum http_outcome	 outcome;
	long			 status;
	char			*error;		/* malloc'd sentence, or NULL */
	char			*body;		/* malloc'd, NUL-terminated */
};

/*
 * GET s->base_url + path with the session's credentials and wait for the
 * answer (test and verify_target), drawing on rl when it is not NULL.
 * 0 with *r filled (free with dest_reply_clear), or -1 with *cause when
 * the request could not even be submitted or the engine failed.
 */
int	dest_get(struct dest_session *s, struct http_engine *e,
	    const char *path, struct ratelimit *rl, struct dest_reply *r,
	    char **cause);
/*
 * The same for an absolute URL (a report the destination points to), with
 * the session's credentials only when auth is set: never send them to
 * another host than the API's.
 */
int	dest_get_url(struct dest_session *s, struct http_engine *e,
	    const char *url, int auth, struct ratelimit *rl,
	    struct dest_reply *r, char **cause);
void	dest_reply_clear(struct dest_reply *);

struct jsonbuf;
/*
 * A POST of the JSON body in b (taken over: b is left empty) to
 * s->base_url + path, with the session's credentials and limiter; the
 * caller adds its callback and submits it.
 */
struct http_request *dest_post_json(struct dest_session *s, const char *path,
	    struct jsonbuf *b);
/*
 * The same with another method: a DELETE with a JSON body (Snapchat's
 * removals).
 */
struct http_request *dest_request_json(struct dest_session *s,
	    const char *method, const char *path, struct jsonbuf *b);

/* Free every results[i].reason and zero the n entries. */
void	dest_results_clear(struct dest_result *results, size_t n);

/* Free a job's strings and set it back to pending (its id is kept). */
void	dest_job_clear(struct dest_job *);

#endif
