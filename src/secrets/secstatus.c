/* The failure kinds of secrets failures. */
#include "config.h"

#include "secrets/secstatus.h"

enum fail_kind
secstatus_kind(enum sec_status st)
{
	switch (st) {
	case SEC_OK:
		return FAIL_NONE;
	case SEC_EUNSAFE:
	case SEC_EPASSPHRASE:
	case SEC_EDENIED:
	case SEC_ENOKEY:
		return FAIL_DENIED;
	case SEC_EINVAL:
	case SEC_EFORMAT:
	case SEC_EINTEGRITY:
		return FAIL_INVALID;
	case SEC_EFAIL:
		break;
	}
	return FAIL_ERROR;
}
