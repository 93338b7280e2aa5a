/* segsync: export customer segments to Braze, Sendinblue and Snapchat. */
#include "config.h"

#include "cli.h"

int
main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
