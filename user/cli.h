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

/* Add interfaces as -i does (names separated by commas, or "any"). 0 or -EINVAL after a line. */
int cli_set_interfaces(struct wl_config *cfg, const char *list);

/*
 * Set the option NAME (its long name, or "filter" for the expression) to VALUE, as a line of a
 * configuration file does: flags take true/false, the other options their argument. Options
 * that are actions (--help, --config, ...) are refused. Returns 0, or -EINVAL after printing
 * one line that starts with WHERE.
 */
int cli_set_option(struct wl_config *cfg, const char *name, const char *value, const char *where);

/* Print the usage text generated from the option table. */
void cli_print_help(FILE *f);

void cli_config_free(struct wl_config *cfg);

#endif
