/*
 * Deterministic generator of segment CSV files, for benchmarks, tests and
 * script/demo. The same options always give the same bytes.
 *
 * Profile number i of seed S is always the same person, so a file made
 * with --dup-from S:F shares about F of its rows with the file of seed S
 * (the same customer ID or email): duplicates across segments.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *first_names[] = {
	"Zoé", "Léa", "Chloé", "Inès", "Amélie", "Hélène", "Noémie", "Maëlle",
	"François", "Jérôme", "Benoît", "Loïc", "Gaël", "Raphaël", "Anaïs",
	"Sören", "Jürgen", "Björn", "Åsa", "Łukasz", "Zoë", "José", "María",
	"Nuño", "João", "Ana", "Olivia", "James", "Mohammed", "Wei", "Aiko",
	"Siobhán", "Ciarán", "Dvořák", "Ömer", "Çağla", "Ágnes", "Thomas",
	"Emma", "Lucas", "Sarah", "David", "Anna", "Paul", "Julia", "Hugo"
};
static const char *last_names[] = {
	"Martin", "Bernard", "Dubois", "Lefèvre", "Müller", "Schröder",
	"Groß", "García", "Muñoz", "Peña", "O'Brien", "Ó Súilleabháin",
	"Nguyễn", "Smith", "Johnson", "Brown", "Kowalski", "Wójcik",
	"Novák", "Horváth", "Björklund", "Østergaard", "Rossi", "Esposito",
	"Da Silva", "Gonçalves", "Yılmaz", "Andersson", "de la Fontaine",
	"van der Berg", "Fischer", "Weber", "Moreau", "Laurent", "Girard"
};
static const char *domains[] = {
	"gmail.com", "yahoo.fr", "outlook.com", "orange.fr", "web.de",
	"example.org", "mail.example.co.uk", "free.fr", "gmx.net",
	"xn--bcher-kva.de", "laposte.net", "hotmail.com"
};
static const char *cities[] = {
	"Paris", "Saint-Étienne", "Lyon", "München", "Köln", "Zürich",
	"\"Paris, 11e\"", "\"Ville \"\"Lumière\"\"\"", "Málaga", "Kraków",
	"London", "Dublin", "Göteborg", "Łódź", "Porto"
};

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

/* splitmix64: small, fast, good enough for test data. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t	z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
rng_below(uint64_t *s, unsigned n)
{
	return (unsigned)(rng_next(s) % n);
}

/* ASCII-fold a name for the local part of an email (drop what is not). */
static void
fold(const char *in, char *out, size_t size)
{
	size_t	o = 0;

	for (; *in != '\0' && o + 1 < size; in++) {
		if ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z'))
			out[o++] = (char)(*in | 0x20);
	}
	out[o] = '\0';
}

/* Write profile idx of seed to f. */
static void
profile(FILE *f, uint64_t seed, uint64_t idx, char d, const char *eol)
{
	uint64_t	 s;
	const char	*fn, *ln, *dom;
	char		 a[64], b[64];
	unsigned	 k;

	s = seed * 0x100000001b3ULL ^ (idx * 0x9e3779b97f4a7c15ULL);
	rng_next(&s);
	fn = first_names[rng_below(&s, NELEM(first_names))];
	ln = last_names[rng_below(&s, NELEM(last_names))];
	dom = domains[rng_below(&s, NELEM(domains))];
	fold(fn, a, sizeof a);
	fold(ln, b, sizeof b);

	/* customer_id: 5% empty */
	if (rng_below(&s, 100) >= 5)
		fprintf(f, "C%08" PRIu64 "-%" PRIu64, seed % 100000, idx);
	fputc(d, f);

	/* email: 1% missing, 2% invalid, some upper case and spaces */
	k = rng_below(&s, 100);
	if (k == 0)
		;
	else if (k < 3)
		fprintf(f, "%s.%s%" PRIu64 "@@%s", a, b, idx, dom);
	else if (k < 10)
		fprintf(f, " %c%s.%s+%" PRIu64 "@%s ", a[0] & ~0x20, a + 1,
		    b, idx, dom);
	else
		fprintf(f, "%s.%s%" PRIu64 "@%s", a, b, idx, dom);
	fputc(d, f);

	fprintf(f, "%s%c%s%c", fn, d, ln, d);

	/* phone: mixed formats, about 1 in 5 invalid */
	k = rng_below(&s, 10);
	switch (k) {
	case 0:
		fprintf(f, "+33 6 %02u %02u %02u %02u", rng_below(&s, 100),
		    rng_below(&s, 100), rng_below(&s, 100), rng_below(&s, 100));
		break;
	case 1:
		fprintf(f, "+44 (0)20 %04u %04u", rng_below(&s, 10000),
		    rng_below(&s, 10000));
		break;
	case 2:
		fprintf(f, "0049 30 %07u", rng_below(&s, 10000000));
		break;
	case 3:
		fprintf(f, "+1.555.%03u.%04u", rng_below(&s, 1000),
		    rng_below(&s, 10000));
		break;
	case 4:
		fprintf(f, "06-%02u-%02u-%02u-%02u", rng_below(&s, 100),
		    rng_below(&s, 100), rng_below(&s, 100), rng_below(&s, 100));
		break;
	case 5:
		fprintf(f, "+34 %03u %03u", rng_below(&s, 1000),
		    rng_below(&s, 1000));
		break;
	case 6:
		break;
	default:
		fprintf(f, "+3361%07u", rng_below(&s, 10000000));
		break;
	}
	fputc(d, f);
	fputs(cities[rng_below(&s, NELEM(cities))], f);
	fputs(eol, f);
}

static void
usage(void)
{
	fprintf(stderr,
"usage: gen_segment [--rows N] [--seed S] [--dup-from SEED:FRACTION]\n"
"                   [--delimiter , | ; | tab] [--crlf] [--bom] [-o FILE]\n"
"\n"
"Writes a segment CSV file (customer_id, email, first_name, last_name,\n"
"phone, city) to FILE or standard output. Same options, same bytes.\n"
"  --rows N       data rows (default 1000)\n"
"  --seed S       which people (default 1); profile i of seed S is always\n"
"                 the same person\n"
"  --dup-from SEED:FRACTION  about FRACTION (0..1) of the rows are people\n"
"                 of seed SEED (duplicates of that file's rows)\n"
"  --delimiter D  ',' (default), ';' or 'tab'\n"
"  --crlf, --bom  CRLF line ends, a UTF-8 byte-order mark\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long long	 rows = 1000, seed = 1, dupseed = 0, i;
	double			 dupfrac = 0;
	const char		*out = NULL, *eol = "\n";
	char			 d = ',', *end;
	int			 bom = 0, a;
	FILE			*f = stdout;
	uint64_t		 s;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--rows") == 0 && a + 1 < argc)
			rows = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--dup-from") == 0 && a + 1 < argc) {
			dupseed = strtoull(argv[++a], &end, 10);
			if (*end != ':')
				usage();
			dupfrac = strtod(end + 1, NULL);
		} else if (strcmp(argv[a], "--delimiter") == 0 &&
		    a + 1 < argc) {
			a++;
			if (strcmp(argv[a], "tab") == 0)
				d = '\t';
			else if (strcmp(argv[a], ",") == 0 ||
			    strcmp(argv[a], ";") == 0)
				d = argv[a][0];
			else
				usage();
		} else if (strcmp(argv[a], "--crlf") == 0)
			eol = "\r\n";
		else if (strcmp(argv[a], "--bom") == 0)
			bom = 1;
		else if (strcmp(argv[a], "-o") == 0 && a + 1 < argc)
			out = argv[++a];
		else
			usage();
	}
	if (out != NULL && (f = fopen(out, "w")) == NULL) {
		fprintf(stderr, "gen_segment: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (bom)
		fputs("\xef\xbb\xbf", f);
	fprintf(f, "customer_id%cemail%cfirst_name%clast_name%cphone%ccity%s",
	    d, d, d, d, d, eol);
	s = seed ^ 0xd1b54a32d192ed03ULL;
	for (i = 0; i < rows; i++) {
		if (dupfrac > 0 &&
		    (double)(rng_next(&s) >> 11) / 9007199254740992.0 < dupfrac)
			profile(f, dupseed, rng_next(&s) % rows, d, eol);
		else
			profile(f, seed, i, d, eol);
	}
	if (fflush(f) != 0 || ferror(f) || (out != NULL && fclose(f) != 0)) {
		fprintf(stderr, "gen_segment: write error: %s\n",
		    strerror(errno));
		return 1;
	}
	return 0;
}
