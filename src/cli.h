#ifndef SEGSYNC_SRC_CLI_H
#define SEGSYNC_SRC_CLI_H
int	cli_main(int, char **);
#endif
