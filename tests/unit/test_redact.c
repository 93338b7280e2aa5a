/* Redaction of secrets in the debug log. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "net/redact.h"
#include "tap.h"

static void
check_headers(const char *in, const char *want, const char *name)
{
	char	*s;

	s = redact_headers(in, strlen(in));
	is_str(s, want, "%s", name);
	free(s);
}

static void
check_body(const char *in, size_t max, const char *want, const char *name)
{
	char	*s;

	s = redact_body(in, strlen(in), max);
	is_str(s, want, "%s", name);
	free(s);
}

int
main(void)
{
	char	*s;

	plan_lazy();

	check_headers("Authorization: Bearer CANARY\r\n",
	    "Authorization: [redacted]\r\n", "Authorization value");
	check_headers("authorization:Bearer CANARY",
	    "authorization: [redacted]", "lower case, no space, no EOL");
	check_headers("API-KEY: xkeysib-CANARY\n",
	    "API-KEY: [redacted]\n", "api-key in capitals");
	check_headers("x-api-key: CANARY\r\nCookie: a=b; c=d\r\n"
	    "Set-Cookie: s=CANARY; HttpOnly\r\n",
	    "x-api-key: [redacted]\r\nCookie: [redacted]\r\n"
	    "Set-Cookie: [redacted]\r\n", "several headers in one block");
	check_headers("Content-Type: application/json\r\nX-Api-Keys: ok\r\n",
	    "Content-Type: application/json\r\nX-Api-Keys: ok\r\n",
	    "other headers and look-alike names are kept");
	check_headers("POST /oauth?code=CANARY&state=s HTTP/1.1\r\n",
	    "POST /oauth?code=[redacted]&state=s HTTP/1.1\r\n",
	    "query string on the request line");
	check_headers("GET /a?zipcode=75001 HTTP/1.1",
	    "GET /a?zipcode=75001 HTTP/1.1", "zipcode is not code");
	check_headers("", "", "empty block");

	check_body("{\"access_token\":\"CANARY\",\"expires_in\":3600}", 1000,
	    "{\"access_token\":\"[redacted]\",\"expires_in\":3600}",
	    "JSON string field");
	check_body("{ \"Password\" : \"a\\\"b\\\\\\\"CANARY\" , \"x\":1}",
	    1000, "{ \"Password\" : \"[redacted]\" , \"x\":1}",
	    "escaped quotes inside the value, spaces, key case");
	check_body("{\"code\":123456,\"country_code\":\"FR\"}", 1000,
	    "{\"code\":[redacted],\"country_code\":\"FR\"}",
	    "number value; country_code kept");
	check_body("{\"note\":\"password\",\"a\":[\"code\"]}", 1000,
	    "{\"note\":\"password\",\"a\":[\"code\"]}",
	    "names as values are kept");
	check_body("{\"refresh_token\":\"CANA", 1000,
	    "{\"refresh_token\":\"[redacted]\"", "truncated JSON");
	check_body("grant_type=refresh_token&refresh_token=CANARY"
	    "&client_secret=S%3D%26&client_id=id", 1000,
	    "grant_type=refresh_token&refresh_token=[redacted]"
	    "&client_secret=[redacted]&client_id=id", "form fields");
	check_body("code=CANARY", 1000, "code=[redacted]", "form at start");
	check_body("{\"api_key\":\"CANARY\",\"Authorization\":\"Bearer x\"}",
	    1000, "{\"api_key\":\"[redacted]\",\"Authorization\":"
	    "\"[redacted]\"}", "header names used as JSON fields");
	check_body("{\"body\":\"{\\\"password\\\":\\\"x\\\\\\\"CANARY\\\","
	    "\\\"code\\\":42}\"}", 1000,
	    "{\"body\":\"{\\\"password\\\":\\\"[redacted]\\\","
	    "\\\"code\\\":[redacted]}\"}",
	    "JSON inside a JSON string (an echo)");
	check_body("abcdefghij", 4, "abcd [... 6 more bytes]",
	    "long bodies are cut");
	check_body("a\001b\tc\n", 100, "a.b\tc\n", "control bytes shown as .");

	s = redact_body("{\"password\":\"CANARY\"}", 21, 5);
	ok(strstr(s, "CANARY") == NULL, "cut after redaction, not before");
	free(s);
	return done_testing();
}
