/* Exit statuses for secrets failures. */
#include "config.h"

#include "base/exitcode.h"
#include "secrets/secstatus.h"

int
secstatus_exit(enum sec_status st)
{
	switch (st) {
	case SEC_OK:
		return EXIT_OK;
	case SEC_EUNSAFE:
	case SEC_EPASSPHRASE:
	case SEC_EDENIED:
	case SEC_ENOKEY:
		return EXIT_AUTH;
	case SEC_EINVAL:
	case SEC_EFORMAT:
	case SEC_EINTEGRITY:
		return EXIT_CONFIG;
	case SEC_EFAIL:
		break;
	}
	return EXIT_FAIL;
}
