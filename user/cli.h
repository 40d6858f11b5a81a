/* SPDX-License-Identifier: MIT */
/* Command line: one option table drives getopt_long and --help. */
#ifndef WL_CLI_H
#define WL_CLI_H

#include <stdio.h>

#include "config.h"

/*
 * Parse argv into cfg (which the caller zeroes). Returns 0, or -EINVAL after printing one
 * line that names the bad argument (the caller exits 2).
 */
int cli_parse(int argc, char **argv, struct wl_config *cfg);

/* Print the usage text generated from the option table. */
void cli_print_help(FILE *f);

void cli_config_free(struct wl_config *cfg);

#endif
