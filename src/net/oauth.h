/*
 * OAuth 2 with an authorization code (RFC 6749 section 4.1), for the
 * destinations that use it (Snapchat, shared/docs/api-contracts.md 3.2),
 * over SSH: the administrator opens the authorization URL in any
 * browser, on any machine, and pastes back the code or the whole address
 * the browser was sent to. No terminal code here: the command line and
 * the terminal UI drive it step by step.
 *
 *	struct oauth_app app = { auth_url, client_id, secret, redirect_uri,
 *	    "snapchat-marketing-api" };
 *	state = oauth_state_new();
 *	url = oauth_authorize_url(&app, state);		show it
 *	... read what the administrator pastes ...
 *	oauth_parse_reply(pasted, len, state, &code, &note, &cause);
 *	st = oauth_exchange(e, &app, code, &tok, &cause);
 *	... check the access token (the driver's test), then store
 *	    tok.refresh as the record's OAUTH_REFRESH_FIELD, encrypted, under
 *	    the workspace lock (secrecord_set + secrecord_save, or a
 *dest_credstore); oauth_tokens_clear(&tok);
 *
 * Access tokens live in memory only: oauth_exchange() and oauth_refresh()
 * remember every access token they obtain, in secret memory, under the
 * refresh token that came with it, so that a driver session opened later
 * in the same process (on the record just saved) uses it instead of
 * spending a refresh (oauth_cache_get()).
 *
 * Messages (*cause, *note) are malloc'd sentences the caller frees. No
 * function here prints, logs or puts a secret into a message.
 */
#ifndef SEGSYNC_SRC_NET_OAUTH_H
#define SEGSYNC_SRC_NET_OAUTH_H

#include <stddef.h>
#include <stdint.h>

struct http_engine;
struct secret;

/* The record field holding a connection's refresh token. */
#define OAUTH_REFRESH_FIELD	"oauth_refresh_token"

/* Bytes of randomness in a state (hex-encoded: twice as many chars). */
#define OAUTH_STATE_BYTES	16

/* Largest code or redirect URL taken back (a pasted line). */
#define OAUTH_REPLY_MAX		8192

/* The OAuth app of a connection; every pointer borrowed. */
struct oauth_app {
	const char		*auth_url;	/* "https://accounts.snapchat.com" */
	const char		*client_id;
	const struct secret	*client_secret;
	const char		*redirect_uri;
	const char		*scope;		/* "snapchat-marketing-api" */
	const char		*label;		/* "Snapchat", for messages */
};

/* What the token endpoint gave. Free with oauth_tokens_clear(). */
struct oauth_tokens {
	struct secret	*access;	/* the bare token, no "Bearer " */
	struct secret	*refresh;	/* NULL when the answer had none */
	long		 expires_in;	/* seconds, as the server said */
	int64_t		 expires_at;	/* util_mono_ms() + expires_in */
};

enum oauth_status {
	OAUTH_OK,
	OAUTH_REFUSED,		/* invalid_grant: wrong, used, expired or
				   revoked code or refresh token */
	OAUTH_CLIENT,		/* invalid_client: client ID or secret */
	OAUTH_UNREACHABLE,	/* no answer from the token endpoint */
	OAUTH_OTHER		/* anything else, in *cause */
};

/* A fresh random state: OAUTH_STATE_BYTES * 2 lowercase hex, malloc'd. */
char		*oauth_state_new(void);

/*
 * The address to open in a browser: auth_url + /login/oauth2/authorize
 * with response_type=code, client_id, redirect_uri, scope and state, each
 * percent-encoded. malloc'd.
 */
char		*oauth_authorize_url(const struct oauth_app *,
		    const char *state);

/*
 * Take back what the administrator pasted (text, len bytes; need not be
 * NUL-terminated): either the bare code, or the whole redirect address
 * (or its query string) with code and state among any other parameters.
 * Surrounding white space is ignored; white space inside a bare code (a
 * line broken by the terminal) is removed and *note says so (note may be
 * NULL; *note is NULL when nothing needed saying). A redirect address must
 * carry exactly this state: another state means another attempt or an
 * altered address, and is refused. An "error" parameter (the
 * administrator declined) is refused with its description.
 * 0 with *code (secret memory), or -1 with *cause.
 */
int		 oauth_parse_reply(const char *text, size_t len,
		    const char *state, struct secret **code, char **note,
		    char **cause);

/*
 * POST auth_url + /login/oauth2/access_token, form-encoded, and wait for
 * the answer on e (which must have nothing else pending: http_drain()).
 * oauth_exchange() sends grant_type=authorization_code with the code and
 * redirect_uri; oauth_refresh() grant_type=refresh_token. Both send the
 * client ID and secret in the body (api-contracts.md 3.2). On OAUTH_OK
 * *tok is filled (a refresh answer without refresh_token leaves
 * tok->refresh NULL: the old one stays valid) and the access token is
 * remembered (oauth_cache_get). Otherwise *cause says why in words.
 */
enum oauth_status oauth_exchange(struct http_engine *e,
		    const struct oauth_app *, const struct secret *code,
		    struct oauth_tokens *tok, char **cause);
enum oauth_status oauth_refresh(struct http_engine *e,
		    const struct oauth_app *, const struct secret *refresh,
		    struct oauth_tokens *tok, char **cause);

/* Wipe and free the tokens; the struct is zeroed. */
void		 oauth_tokens_clear(struct oauth_tokens *);

/*
 * The access token last obtained with the refresh token (or by the
 * exchange that issued it), when it is still valid for at least
 * margin_ms: 0 with *access (a copy, the caller frees), *expires_at and
 * the lifetime it was issued with (*expires_in, seconds), or -1.
 */
int		 oauth_cache_get(const struct secret *refresh,
		    int64_t margin_ms, struct secret **access,
		    int64_t *expires_at, long *expires_in);

/* Forget the access token of this refresh token (it was refused). */
void		 oauth_cache_drop(const struct secret *refresh);

/* Wipe and forget every access token (tests, and before exit). */
void		 oauth_cache_clear(void);

#endif
