/*
 * Process hygiene for a program that handles secrets (design 3.9 startup),
 * and the one way key and passphrase files are opened.
 */
#ifndef SEGSYNC_SRC_SECRETS_HYGIENE_H
#define SEGSYNC_SRC_SECRETS_HYGIENE_H

#include "secrets/secstatus.h"

/*
 * Call first thing in main(), before touching any secret: sodium_init(),
 * umask(077), no core dumps (RLIMIT_CORE 0) and not dumpable or
 * ptrace-attachable by the same user (PR_SET_DUMPABLE 0). Safe to call
 * twice. Returns 0, or -1 with *cause set (malloc'd) when libsodium
 * cannot start or a limit cannot be set; the caller must then exit.
 */
int	hygiene_init(char **cause);

/*
 * Open a file that holds key material (identity, key file, passphrase
 * file) for reading, the way OpenSSH opens private keys: a symbolic link
 * is refused (O_NOFOLLOW), so is anything but a regular file, a file
 * owned by another user (root excepted) and a file any group or other
 * permission bit set. On SEC_OK *fd is open (caller closes); otherwise
 * *cause names the file and, for a mode, says how to fix it.
 * Returns SEC_EUNSAFE for a refused file, SEC_EFORMAT when it cannot be
 * opened (missing, unreadable).
 */
enum sec_status	hygiene_open_private(const char *path, int *fd,
		    char **cause);

#endif
