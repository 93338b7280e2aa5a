/* segsync: export customer segments to Braze, Sendinblue and Snapchat. */
#include "config.h"

#include "cli/cli.h"
#include "screens/app.h"

int
main(int argc, char **argv)
{
	cli_ui = app_main;
	return cli_main(argc, argv);
}
