// SPDX-License-Identifier: MIT
/* Configuration file: "option = value" lines, applied like options; which need a restart. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define CONFIG_LINE_MAX 4096	/* characters of one line, without its line break */
#define CONFIG_SIZE_MAX 1048576 /* bytes of the whole file */

static const char *config_errstr(int err)
{
	return err == -EISDIR  ? "it is a directory (give the file's path)"
	       : err == -EFBIG ? "larger than 1 MiB"
			       : strerror(-err);
}

/* Read PATH into a NUL-terminated malloc'd *out; *out stays NULL for a missing optional file. */
static int config_read(const char *path, bool must_exist, char **out, size_t *len)
{
	size_t n = 0, cap = 4096;
	struct stat st;
	char *buf;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT && !must_exist ? 0 : -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > CONFIG_SIZE_MAX) {
			err = -EFBIG;
			goto out;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

/* S without its leading and trailing blanks (spaces, tabs, the CR of CRLF files). */
static char *config_trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r");
	n = strlen(s);
	while (n && strchr(" \t\r", s[n - 1]))
		s[--n] = '\0';
	return s;
}

int config_load(struct wl_config *cfg, const char *path, bool must_exist, config_set_fn set)
{
	char *text = NULL, *p, *next, *end, where[4200];
	unsigned int line = 0;
	size_t len = 0;
	int err;

	err = config_read(path, must_exist, &text, &len);
	if (err) {
		log_error("cannot read configuration file '%s': %s", path, config_errstr(err));
		return err;
	}
	if (!text)
		return 0;
	free(cfg->config_text);
	cfg->config_text = text; /* the settings point into it: it lives as long as cfg */
	for (p = text, end = text + len; p < end; p = next) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *s, *eq;

		next = nl ? nl + 1 : end;
		line++;
		snprintf(where, sizeof(where), "%s:%u", path, line);
		if (nl)
			*nl = '\0';
		if (strlen(p) != (size_t)((nl ?: end) - p)) {
			log_error("%s: NUL byte in the line: not a text file", where);
			return -EINVAL;
		}
		if (strlen(p) > CONFIG_LINE_MAX) {
			log_error("%s: line longer than %d characters", where, CONFIG_LINE_MAX);
			return -EINVAL;
		}
		s = config_trim(p);
		if (!s[0] || s[0] == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			log_error("%s: expected 'option = value' (a flag as 'json = true'), found "
				  "'%.60s'",
				  where, s);
			return -EINVAL;
		}
		*eq = '\0';
		s = config_trim(s);
		if (!s[0]) {
			log_error("%s: expected an option name before '='", where);
			return -EINVAL;
		}
		err = set(cfg, s, config_trim(eq + 1), where);
		if (err)
			return err;
	}
	return 0;
}

/* A setting by its option name: where it is in struct wl_config, and whether a string. */
struct config_field {
	const char *name;
	size_t off, size;
	bool str; /* a string (compared by text), else a plain value of SIZE bytes */
};

#define CONFIG_AT(field) offsetof(struct wl_config, field), sizeof(((struct wl_config *)0)->field)

static const struct config_field config_restart_fields[] = {
	{"interface", CONFIG_AT(ifnames), false},
	{"read", CONFIG_AT(file), true},
	{"count", CONFIG_AT(count), false},
	{"duration", CONFIG_AT(duration), false},
	{"json", CONFIG_AT(json), false},
	{"backend", CONFIG_AT(backend), false},
	{"xdp-mode", CONFIG_AT(xdp_mode), false},
	{"ingress", CONFIG_AT(ingress), false},
	{"tc-attach", CONFIG_AT(tc_attach), false},
	{"verbose", CONFIG_AT(verbose), false},
	{"pin-path", CONFIG_AT(pin_path), true},
	{"btf", CONFIG_AT(btf_path), true},
	{"flow-table-size", CONFIG_AT(flow_table_size), false},
	{"top", CONFIG_AT(top), false},
	{"spike-factor", CONFIG_AT(spike_factor), false},
	{"packet-buffer", CONFIG_AT(packet_buffer), false},
	{"write", CONFIG_AT(write_file), true},
	{"file-size", CONFIG_AT(rotate_mb), false},
	{"file-count", CONFIG_AT(rotate_files), false},
	{"export-csv", CONFIG_AT(export_csv), true},
	{"export-json", CONFIG_AT(export_json), true},
	{"listen", CONFIG_AT(listen), true},
	{"no-web", CONFIG_AT(no_web), false},
	{"auth-token-file", CONFIG_AT(token_file), true},
	{"tls-cert", CONFIG_AT(tls_cert), true},
	{"tls-key", CONFIG_AT(tls_key), true},
	{"report", CONFIG_AT(report_file), true},
	{"flight-recorder", CONFIG_AT(flight_dir), true},
	{"flight-recorder-span", CONFIG_AT(flight_span), false},
	{"flight-recorder-max", CONFIG_AT(flight_max_mb), false},
};

static bool config_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool config_hosts_eq(const struct wl_config *a, const struct wl_config *b)
{
	if (a->n_allow_hosts != b->n_allow_hosts)
		return false;
	for (unsigned int i = 0; i < a->n_allow_hosts; i++)
		if (!config_str_eq(a->allow_hosts[i], b->allow_hosts[i]))
			return false;
	return true;
}

const char *config_restart_changed(const struct wl_config *a, const struct wl_config *b,
				   unsigned int *pos)
{
	while (*pos < ARRAY_SIZE(config_restart_fields)) {
		const struct config_field *f = &config_restart_fields[(*pos)++];
		const char *pa = (const char *)a + f->off, *pb = (const char *)b + f->off;

		if (f->str ? !config_str_eq(*(const char *const *)pa, *(const char *const *)pb)
			   : memcmp(pa, pb, f->size) != 0)
			return f->name;
	}
	if (*pos == ARRAY_SIZE(config_restart_fields)) {
		(*pos)++;
		if (!config_hosts_eq(a, b))
			return "allow-host";
	}
	return NULL;
}
