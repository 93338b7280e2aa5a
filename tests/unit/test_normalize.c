#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "data/normalize.h"
#include "tap.h"

/* Email in, expected result and (when valid) the normalised form. */
static void
email(const char *in, enum normalize_result want, const char *norm)
{
	char			out[NORMALIZE_EMAIL_SIZE];
	size_t			len = 99;
	enum normalize_result	got;

	got = normalize_email(in, strlen(in), out, &len);
	if (!is_int(got, want, "email \"%s\": %s", in,
	    want == NORMALIZE_OK ? "valid" :
	    want == NORMALIZE_EMPTY ? "missing" : "invalid"))
		return;
	if (want == NORMALIZE_OK) {
		is_str(out, norm, "email \"%s\" normalises", in);
		is_int(len, strlen(norm), "email \"%s\": length", in);
	} else
		is_int(len, 0, "email \"%s\": no length", in);
}

static void
phone(const char *in, enum normalize_result want, const char *norm)
{
	char			out[NORMALIZE_PHONE_SIZE];
	size_t			len = 99;
	enum normalize_result	got;

	got = normalize_phone(in, strlen(in), out, &len);
	if (!is_int(got, want, "phone \"%s\": %s", in,
	    want == NORMALIZE_OK ? "valid" :
	    want == NORMALIZE_EMPTY ? "empty" : "invalid"))
		return;
	if (want == NORMALIZE_OK) {
		is_str(out, norm, "phone \"%s\" normalises", in);
		is_int(len, strlen(norm), "phone \"%s\": length", in);
	}
}

static void
trim(const char *in, const char *want)
{
	const char	*p;
	size_t		 len;
	char		*s;

	p = normalize_trim(in, strlen(in), &len);
	s = xstrndup(p, len);
	is_str(s, want, "trim \"%s\"", in);
	free(s);
}

/* An address with a local part of n bytes at example.com. */
static char *
local_of(size_t n)
{
	char	*s;

	s = xmalloc(n + 13);
	memset(s, 'a', n);
	memcpy(s + n, "@example.com", 13);
	return s;
}

/* An address of exactly n bytes: a@ + labels of 50 + ".com". */
static char *
total_of(size_t n)
{
	char	*s;
	size_t	 i;

	s = xmalloc(n + 1);
	memcpy(s, "a@", 2);
	for (i = 2; i < n - 4; i++)
		s[i] = (i - 2) % 51 == 50 ? '.' : 'b';
	memcpy(s + n - 4, ".com", 5);
	return s;
}

static void
test_email(void)
{
	char	*s;

	email("anna@example.com", NORMALIZE_OK, "anna@example.com");
	email("Anna.Smith@Example.COM", NORMALIZE_OK, "anna.smith@example.com");
	email("  bob@example.com\t", NORMALIZE_OK, "bob@example.com");
	email("\v\f bob@example.com \t", NORMALIZE_OK, "bob@example.com");
	email("", NORMALIZE_EMPTY, NULL);
	email("   \t ", NORMALIZE_EMPTY, NULL);
	email("anna+news@example.com", NORMALIZE_OK, "anna+news@example.com");
	email("a+b+c@mail.example.co.uk", NORMALIZE_OK,
	    "a+b+c@mail.example.co.uk");
	email("user@xn--bcher-kva.de", NORMALIZE_OK, "user@xn--bcher-kva.de");
	email("user@XN--BCHER-KVA.DE", NORMALIZE_OK, "user@xn--bcher-kva.de");
	email("user@bücher.de", NORMALIZE_INVALID, NULL);
	email("zoé@example.fr", NORMALIZE_INVALID, NULL);
	email("user@example.com\xc2\xa0", NORMALIZE_INVALID, NULL);
	email("\"john\"@example.com", NORMALIZE_OK, "\"john\"@example.com");
	email("\"john smith\"@example.com", NORMALIZE_INVALID, NULL);
	email("john smith@example.com", NORMALIZE_INVALID, NULL);
	email("john\tsmith@example.com", NORMALIZE_INVALID, NULL);
	email("a@b@example.com", NORMALIZE_INVALID, NULL);
	email("a@@example.com", NORMALIZE_INVALID, NULL);
	email("anna.example.com", NORMALIZE_INVALID, NULL);
	email("@example.com", NORMALIZE_INVALID, NULL);
	email("anna@", NORMALIZE_INVALID, NULL);
	email("anna@localhost", NORMALIZE_INVALID, NULL);
	email("anna@.example.com", NORMALIZE_INVALID, NULL);
	email("anna@example.com.", NORMALIZE_INVALID, NULL);
	email("anna@example..com", NORMALIZE_INVALID, NULL);
	email("anna@-example.com", NORMALIZE_INVALID, NULL);
	email("anna@example-.com", NORMALIZE_INVALID, NULL);
	email("anna@example.-com", NORMALIZE_INVALID, NULL);
	email("anna@example.com-", NORMALIZE_INVALID, NULL);
	email("anna@ex-am-ple.com", NORMALIZE_OK, "anna@ex-am-ple.com");
	email("anna@ex_ample.com", NORMALIZE_INVALID, NULL);
	email("anna@[192.0.2.1]", NORMALIZE_INVALID, NULL);
	email("anna@192.0.2.1", NORMALIZE_OK, "anna@192.0.2.1");
	email("anna@example.com>", NORMALIZE_INVALID, NULL);
	email("<anna@example.com>", NORMALIZE_INVALID, NULL);
	email("o'brien@example.ie", NORMALIZE_OK, "o'brien@example.ie");
	email(".anna@example.com", NORMALIZE_OK, ".anna@example.com");

	s = local_of(64);
	email(s, NORMALIZE_OK, s);
	free(s);
	s = local_of(65);
	email(s, NORMALIZE_INVALID, NULL);
	free(s);
	s = total_of(254);
	is_int(strlen(s), 254, "254-byte address built");
	email(s, NORMALIZE_OK, s);
	free(s);
	s = total_of(255);
	email(s, NORMALIZE_INVALID, NULL);
	free(s);

	is_str(normalize_email_reason(NORMALIZE_EMPTY), "missing email",
	    "reason for an empty email");
	is_str(normalize_email_reason(NORMALIZE_INVALID), "invalid email",
	    "reason for an invalid email");
}

static void
test_phone(void)
{
	phone("+33 6 12 34 56 78", NORMALIZE_OK, "+33612345678");
	phone("+33612345678", NORMALIZE_OK, "+33612345678");
	phone("+44 (0)20 7946 0958", NORMALIZE_OK, "+442079460958");
	phone("+44 (0) 20 7946 0958", NORMALIZE_OK, "+442079460958");
	phone("0044 20 7946 0958", NORMALIZE_OK, "+442079460958");
	phone("0044 (0)20 7946 0958", NORMALIZE_OK, "+442079460958");
	phone("+1 (555) 123-4567", NORMALIZE_OK, "+15551234567");
	phone("+1.555.123.4567", NORMALIZE_OK, "+15551234567");
	phone("  +49-30-1234567\t", NORMALIZE_OK, "+49301234567");
	phone("06 12 34 56 78", NORMALIZE_INVALID, NULL);
	phone("0612345678", NORMALIZE_INVALID, NULL);
	phone("(555) 123-4567", NORMALIZE_INVALID, NULL);
	phone("33612345678", NORMALIZE_INVALID, NULL);
	phone("+1234567", NORMALIZE_INVALID, NULL);
	phone("+12345678", NORMALIZE_OK, "+12345678");
	phone("+123456789012345", NORMALIZE_OK, "+123456789012345");
	phone("+1234567890123456", NORMALIZE_INVALID, NULL);
	phone("001234567", NORMALIZE_INVALID, NULL);
	phone("0012345678", NORMALIZE_OK, "+12345678");
	phone("00 1 234 567 890", NORMALIZE_OK, "+1234567890");
	phone("+33 6 12 34 56 78 ext 9", NORMALIZE_INVALID, NULL);
	phone("+33 6 12 34 56 7x", NORMALIZE_INVALID, NULL);
	phone("+33+612345678", NORMALIZE_INVALID, NULL);
	phone("++33612345678", NORMALIZE_INVALID, NULL);
	phone("+٣٣٦١٢٣٤٥٦٧٨", NORMALIZE_INVALID, NULL);
	phone("+33 6 12 34 56 78 (0)", NORMALIZE_OK, "+33612345678");
	phone("(0)20 7946 0958", NORMALIZE_INVALID, NULL);
	phone("", NORMALIZE_EMPTY, NULL);
	phone("  ", NORMALIZE_EMPTY, NULL);
	phone(" - ", NORMALIZE_EMPTY, NULL);
	phone("+", NORMALIZE_INVALID, NULL);
	phone("+33 6 12 34 56 78 90 12 34 56", NORMALIZE_INVALID, NULL);
}

static void
test_trim(void)
{
	trim("C123", "C123");
	trim("  C123\t", "C123");
	trim(" \v\f\t", "");
	trim("", "");
	trim(" Zoé ", "Zoé");
	trim("Jean Paul", "Jean Paul");
	trim("\xc2\xa0Zoé", "\xc2\xa0Zoé");
}

int
main(void)
{
	plan_lazy();
	test_email();
	test_phone();
	test_trim();
	return done_testing();
}
