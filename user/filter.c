// SPDX-License-Identifier: MIT
/*
 * The filter language (DESIGN.md): a subset of pcap-filter plus application names, compiled to
 * the program of bpf/filter.h.
 *
 * The code generated for each primitive loads exactly the bytes libpcap's code loads, in the
 * same order, because a load past the captured bytes rejects the whole frame in both: that
 * is what makes a truncated frame get the same verdict. Grammar, as in pcap-filter: `not`
 * binds tightest; `and` and `or` have equal precedence and associate to the left; a bare value
 * after `and`/`or` repeats the qualifiers of the primitive before it (`port 80 or 443`).
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "names.h"

#define ETH_IP	   0x0800
#define ETH_IP6	   0x86dd
#define ETH_ARP	   0x0806
#define ETH_RARP   0x8035

#define MAX_NODES  512
#define MAX_LABELS (4 * WL_FILTER_MAX_INSNS)
#define MAX_DEPTH  64
#define MAX_EXPR   WL_FILTER_EXPR_MAX

enum tok_kind {
	T_END,
	T_LPAREN,
	T_RPAREN,
	T_NOT,
	T_AND,
	T_OR,
	T_WORD,
	T_BAD,
};

struct tok {
	enum tok_kind kind;
	size_t pos;
	size_t len;
};

/* Protocol qualifiers; Q_NONE when absent. */
enum qproto {
	Q_NONE,
	Q_IP,
	Q_IP6,
	Q_ARP,
	Q_RARP,
	Q_TCP,
	Q_UDP,
	Q_ICMP,
	Q_ICMP6,
};

enum qdir {
	D_ANY, /* src or dst (the default) */
	D_SRC,
	D_DST,
	D_BOTH, /* src and dst */
};

enum qtype {
	Y_NONE,
	Y_HOST,
	Y_NET,
	Y_PORT,
	Y_PORTRANGE,
};

struct qual {
	enum qproto proto;
	enum qdir dir;
	enum qtype type;
};

enum node_kind {
	N_AND,
	N_OR,
	N_NOT,
	N_PROTO, /* a protocol by itself: tcp, ip6, ... */
	N_APP,
	N_ADDR, /* host or net */
	N_PORT, /* port or portrange */
};

struct node {
	enum node_kind kind;
	int left, right; /* N_AND/N_OR: both; N_NOT: left */
	struct qual q;
	int family; /* N_ADDR: 4 or 6 */
	__u8 addr[16];
	__u8 mask[16];
	__u16 lo, hi; /* N_PORT */
	__u32 app;
	char val[80];	 /* the value as written (N_ADDR, N_PORT) */
	size_t pos, len; /* where the term is in the expression */
};

/* An instruction before assembly: jump targets are labels. */
struct ainsn {
	__u8 op;
	__u8 size;
	int jt, jf;
	__u32 k;
};

struct compiler {
	const char *s;
	int linktype;
	size_t at; /* lexer position */
	struct tok cur;
	struct wl_filter_error *err;
	bool failed;
	int depth;

	struct node nodes[MAX_NODES];
	int nnodes;
	struct qual last; /* qualifiers of the last primitive, for bare values */
	bool have_last;

	struct ainsn code[WL_FILTER_MAX_INSNS];
	int ncode;
	int label_at[MAX_LABELS];
	int nlabels;
};

/* --- errors ------------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int fail_at(struct compiler *c, const struct tok *t,
							 const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return -1;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	c->err->pos = t ? t->pos : strlen(c->s);
	c->err->len = t && t->len ? t->len : 1;
	return -1;
}

/* --- lexer ------------------------------------------------------------------------------- */

static bool word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == ':' || ch == '/' || ch == '-' || ch == '_';
}

static bool tok_is(const struct compiler *c, const struct tok *t, const char *w)
{
	return t->kind == T_WORD && strlen(w) == t->len && !strncmp(c->s + t->pos, w, t->len);
}

static struct tok lex_at(const struct compiler *c, size_t *at)
{
	const char *s = c->s;
	size_t i = *at;
	struct tok t = {T_END, 0, 0};

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	t.pos = i;
	if (!s[i]) {
		*at = i;
		return t;
	}
	if (s[i] == '(' || s[i] == ')') {
		t.kind = s[i] == '(' ? T_LPAREN : T_RPAREN;
		t.len = 1;
	} else if (s[i] == '!') {
		t.kind = T_NOT;
		t.len = 1;
	} else if ((s[i] == '&' && s[i + 1] == '&') || (s[i] == '|' && s[i + 1] == '|')) {
		t.kind = s[i] == '&' ? T_AND : T_OR;
		t.len = 2;
	} else if (word_char(s[i])) {
		t.kind = T_WORD;
		while (word_char(s[i + t.len]))
			t.len++;
	} else {
		t.kind = T_BAD;
		t.len = 1;
	}
	*at = i + t.len;
	if (t.kind == T_WORD) {
		if (t.len == 3 && !strncmp(s + t.pos, "not", 3))
			t.kind = T_NOT;
		else if (t.len == 3 && !strncmp(s + t.pos, "and", 3))
			t.kind = T_AND;
		else if (t.len == 2 && !strncmp(s + t.pos, "or", 2))
			t.kind = T_OR;
	}
	return t;
}

static void next(struct compiler *c)
{
	c->cur = lex_at(c, &c->at);
}

/* The token after the current one, without consuming anything. */
static struct tok peek(const struct compiler *c, int ahead)
{
	size_t at = c->at;
	struct tok t = c->cur;

	while (ahead-- > 0)
		t = lex_at(c, &at);
	return t;
}

/* --- values ------------------------------------------------------------------------------ */

static void tok_text(const struct compiler *c, const struct tok *t, char *buf, size_t size)
{
	size_t n = t->len < size - 1 ? t->len : size - 1;

	memcpy(buf, c->s + t->pos, n);
	buf[n] = 0;
}

/* A decimal number 0..max; -1 if not one. */
static long parse_dec(const char *s, long max)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

/* A port: a number or a service name from /etc/services. */
static long parse_port(const char *s, enum qproto proto)
{
	struct servent *se;
	long v = parse_dec(s, 65535);

	if (v >= 0)
		return v;
	if (!*s || (*s >= '0' && *s <= '9'))
		return -1;
	se = getservbyname(s, proto == Q_UDP ? "udp" : "tcp");
	if (!se && proto == Q_NONE)
		se = getservbyname(s, "udp");
	return se ? ntohs((uint16_t)se->s_port) : -1;
}

static bool looks_like_address(const char *s)
{
	return strchr(s, ':') || (s[0] >= '0' && s[0] <= '9' && strchr(s, '.'));
}

/* An address with an optional /LEN into n (family, addr, mask). */
static int parse_addr(struct compiler *c, const struct tok *t, bool allow_prefix, struct node *n)
{
	char buf[128], *slash;
	long plen;
	int i, bits;

	if (t->len >= sizeof(buf))
		return fail_at(c, t, "not an address");
	tok_text(c, t, buf, sizeof(buf));
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = 4;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = 6;
		bits = 128;
	} else if (!strchr(buf, ':') && strchr(buf, '.')) {
		return fail_at(c, t,
			       "'%s' is not an IPv4 address: write all four parts (198.18.0.0/15)",
			       buf);
	} else {
		return fail_at(c, t, "'%s' is not an IP address (host names are not looked up)",
			       buf);
	}
	plen = bits;
	if (slash) {
		if (!allow_prefix)
			return fail_at(c, t,
				       "a host is one address: for a network write 'net %s/%s'",
				       buf, slash + 1);
		plen = parse_dec(slash + 1, bits);
		if (plen < 0)
			return fail_at(c, t, "the prefix length after '/' must be 0 to %d", bits);
	}
	memset(n->mask, 0, sizeof(n->mask));
	for (i = 0; i < bits / 8; i++) {
		int b = (int)plen - 8 * i;

		n->mask[i] = b >= 8 ? 0xff : b <= 0 ? 0 : (__u8)(0xff << (8 - b));
		if (n->addr[i] & ~n->mask[i])
			return fail_at(c, t,
				       "'%s' has bits set after the first %ld (the network is "
				       "written with them zero)",
				       buf, plen);
	}
	return 0;
}

/* --- parser ------------------------------------------------------------------------------ */

static int new_node(struct compiler *c, enum node_kind kind)
{
	if (c->nnodes >= MAX_NODES) {
		fail_at(c, &c->cur, "the filter is too long (at most %d terms)", MAX_NODES);
		return -1;
	}
	memset(&c->nodes[c->nnodes], 0, sizeof(c->nodes[0]));
	c->nodes[c->nnodes].kind = kind;
	return c->nnodes++;
}

static const struct {
	const char *name;
	enum qproto proto;
} protos[] = {
	{"ip", Q_IP},	{"ip6", Q_IP6}, {"arp", Q_ARP},	  {"rarp", Q_RARP},
	{"tcp", Q_TCP}, {"udp", Q_UDP}, {"icmp", Q_ICMP}, {"icmp6", Q_ICMP6},
};

static const char *const proto_names[] = {
	[Q_NONE] = "",	 [Q_IP] = "ip",	  [Q_IP6] = "ip6",   [Q_ARP] = "arp",	  [Q_RARP] = "rarp",
	[Q_TCP] = "tcp", [Q_UDP] = "udp", [Q_ICMP] = "icmp", [Q_ICMP6] = "icmp6",
};

static enum qproto word_proto(const struct compiler *c, const struct tok *t)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (tok_is(c, t, protos[i].name))
			return protos[i].proto;
	return Q_NONE;
}

static enum qtype word_type(const struct compiler *c, const struct tok *t)
{
	if (tok_is(c, t, "host"))
		return Y_HOST;
	if (tok_is(c, t, "net"))
		return Y_NET;
	if (tok_is(c, t, "port"))
		return Y_PORT;
	if (tok_is(c, t, "portrange"))
		return Y_PORTRANGE;
	return Y_NONE;
}

static bool word_dir(const struct compiler *c, const struct tok *t)
{
	return tok_is(c, t, "src") || tok_is(c, t, "dst");
}

static int word_app(const struct compiler *c, const struct tok *t)
{
	for (int i = WL_APP_UNKNOWN + 1; i < WL_APP_MAX; i++)
		if (tok_is(c, t, wl_app_names[i]))
			return i;
	return -1;
}

/* Words that are never values: pcap-filter keywords wirelens does not support. */
static const char *const unsupported[] = {
	"ether",   "vlan",   "mpls",	"pppoes",    "proto",	  "protochain", "less",
	"greater", "len",    "gateway", "broadcast", "multicast", "inbound",	"outbound",
	"ifname",  "on",     "sctp",	"igmp",	     "pim",	  "vrrp",	"ah",
	"esp",	   "decnet", "atalk",	"iso",	     "stp",	  "ipx",	"netbeui",
	"mask",	   "wlan",   "type",	"subtype",   "llc",	  "geneve",	"vxlan",
	"link",	   "fddi",   "tr",	"lat",	     "mopdl",	  "moprc",	"sca",
	"clnp",	   "esis",   "isis",	"carp",	     "icmp6type", "icmptype",	"tcpflags",
	"index",   "dir",    "rnr",	"reason",    "rset",	  "rulenum",	"srnr",
	"action"};

static bool word_unsupported(const struct compiler *c, const struct tok *t)
{
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (tok_is(c, t, unsupported[i]))
			return true;
	return false;
}

static bool word_keyword(const struct compiler *c, const struct tok *t)
{
	return word_proto(c, t) != Q_NONE || word_type(c, t) != Y_NONE || word_dir(c, t) ||
	       word_unsupported(c, t);
}

/* The value of a host/net/port/portrange primitive with qualifiers q, at token t. */
static int parse_value(struct compiler *c, const struct tok *t, struct qual q)
{
	char buf[128];
	int id;

	if (t->kind != T_WORD || word_keyword(c, t)) {
		const char *what = q.type == Y_PORT	   ? "a port number"
				   : q.type == Y_PORTRANGE ? "a port range (LOW-HIGH)"
				   : q.type == Y_NET	   ? "a network (ADDRESS/LENGTH)"
							   : "an address";
		return fail_at(c, t, "expected %s here", what);
	}
	if (t->len >= sizeof(c->nodes[0].val))
		return fail_at(c, t, "this value is too long");
	tok_text(c, t, buf, sizeof(buf));
	if (q.type == Y_NONE) {
		if (!looks_like_address(buf))
			return fail_at(c, t, "'%s' needs a qualifier: host, net, port or portrange",
				       buf);
		q.type = Y_HOST;
	}
	if ((q.type == Y_PORT || q.type == Y_PORTRANGE) && q.proto != Q_NONE && q.proto != Q_TCP &&
	    q.proto != Q_UDP)
		return fail_at(c, t, "'%s port' never matches: ports belong to tcp and udp",
			       proto_names[q.proto]);
	if ((q.type == Y_HOST || q.type == Y_NET) &&
	    (q.proto == Q_TCP || q.proto == Q_UDP || q.proto == Q_ICMP || q.proto == Q_ICMP6))
		return fail_at(c, t, "'%s' cannot qualify an address: use '%s and host ...'",
			       proto_names[q.proto], proto_names[q.proto]);

	if (q.type == Y_HOST || q.type == Y_NET) {
		struct node *n;

		id = new_node(c, N_ADDR);
		if (id < 0)
			return -1;
		n = &c->nodes[id];
		n->q = q;
		if (parse_addr(c, t, q.type == Y_NET, n))
			return -1;
		if (n->family == 6 && (q.proto == Q_IP || q.proto == Q_ARP || q.proto == Q_RARP))
			return fail_at(c, t, "'%s' with an IPv6 address never matches: use ip6",
				       proto_names[q.proto]);
		if (n->family == 4 && q.proto == Q_IP6)
			return fail_at(c, t, "'ip6' with an IPv4 address never matches: use ip");
	} else {
		long lo, hi;
		char *dash = NULL;

		if (q.type == Y_PORTRANGE) {
			dash = strchr(buf, '-');
			if (!dash)
				return fail_at(c, t,
					       "a port range is written LOW-HIGH (1024-65535)");
			*dash = 0;
		}
		lo = parse_port(buf, q.proto);
		hi = dash ? parse_port(dash + 1, q.proto) : lo;
		if (lo < 0 || hi < 0)
			return fail_at(c, t, "'%s' is not a port (0-65535 or a service name)",
				       lo < 0 ? buf : dash + 1);
		if (lo > hi) {
			long tmp = lo;

			lo = hi;
			hi = tmp;
		}
		id = new_node(c, N_PORT);
		if (id < 0)
			return -1;
		c->nodes[id].q = q;
		c->nodes[id].lo = (__u16)lo;
		c->nodes[id].hi = (__u16)hi;
	}
	tok_text(c, t, c->nodes[id].val, sizeof(c->nodes[id].val));
	c->nodes[id].pos = t->pos;
	c->nodes[id].len = t->len;
	c->last = q;
	c->have_last = true;
	next(c);
	return id;
}

static int parse_expr(struct compiler *c);

/* The current token is an application name. */
static int parse_app(struct compiler *c)
{
	int n = new_node(c, N_APP);

	if (n < 0)
		return -1;
	c->nodes[n].app = (__u32)word_app(c, &c->cur);
	next(c);
	return n;
}

static int parse_primitive(struct compiler *c)
{
	struct qual q = {Q_NONE, D_ANY, Y_NONE};
	struct tok t = c->cur;
	bool qualified = false;
	int id;

	if (t.kind != T_WORD) {
		if (t.kind == T_END)
			return fail_at(c, &t, "the filter ends where a term was expected");
		if (t.kind == T_BAD)
			return fail_at(c, &t, "unexpected character '%c'", c->s[t.pos]);
		return fail_at(c, &t, "expected a term (tcp, host ADDR, port N, dns, ...)");
	}
	if (word_unsupported(c, &t)) {
		char buf[32];

		tok_text(c, &t, buf, sizeof(buf));
		return fail_at(c, &t, "'%s' is pcap-filter syntax that wirelens does not support",
			       buf);
	}
	/* `app NAME`: always the application, never a port name. */
	if (tok_is(c, &t, "app")) {
		next(c);
		if (word_app(c, &c->cur) < 0)
			return fail_at(c, &c->cur,
				       "expected an application name after 'app' (dns, "
				       "http, tls, ...)");
		return parse_app(c);
	}
	/*
	 * An application name, unless it continues a list of ports: in pcap-filter,
	 * `port 22 or ssh` means `port 22 or port ssh`, and it means that here too.
	 */
	if (word_app(c, &t) >= 0) {
		char buf[32];

		tok_text(c, &t, buf, sizeof(buf));
		if (c->have_last && (c->last.type == Y_PORT || c->last.type == Y_PORTRANGE) &&
		    parse_port(buf, c->last.proto) >= 0)
			return parse_value(c, &t, c->last);
		return parse_app(c);
	}
	q.proto = word_proto(c, &t);
	if (q.proto != Q_NONE) {
		struct tok n = peek(c, 1);

		qualified = true;
		next(c);
		if (!(n.kind == T_WORD &&
		      (word_dir(c, &n) || word_type(c, &n) != Y_NONE || !word_keyword(c, &n)) &&
		      word_app(c, &n) < 0)) {
			id = new_node(c, N_PROTO);
			if (id < 0)
				return -1;
			c->nodes[id].q = q;
			return id;
		}
	}
	if (word_dir(c, &c->cur)) {
		struct tok conj = peek(c, 1), other = peek(c, 2);

		qualified = true;
		q.dir = tok_is(c, &c->cur, "src") ? D_SRC : D_DST;
		if ((conj.kind == T_OR || conj.kind == T_AND) && word_dir(c, &other) &&
		    !tok_is(c, &other, c->s[c->cur.pos] == 's' ? "src" : "dst")) {
			q.dir = conj.kind == T_OR ? D_ANY : D_BOTH;
			next(c);
			next(c);
		}
		next(c);
	}
	q.type = word_type(c, &c->cur);
	if (q.type != Y_NONE) {
		qualified = true;
		next(c);
	}
	if (!qualified && c->have_last && c->cur.kind == T_WORD && !word_keyword(c, &c->cur)) {
		/* A bare value: the qualifiers of the previous primitive apply. */
		return parse_value(c, &c->cur, c->last);
	}
	if (!qualified && c->cur.kind == T_WORD) {
		char buf[64];

		tok_text(c, &c->cur, buf, sizeof(buf));
		if (!looks_like_address(buf))
			return fail_at(
				c, &c->cur,
				"unknown word '%s' (expected tcp, udp, icmp, icmp6, arp, ip, "
				"ip6, host, net, port, portrange, src, dst or an application "
				"name)",
				buf);
	}
	return parse_value(c, &c->cur, q);
}

/* A term, with its place in the expression for error messages. */
static int parse_term(struct compiler *c)
{
	size_t start = c->cur.pos;
	int id = parse_primitive(c);

	if (id >= 0 && c->nodes[id].kind != N_ADDR && c->nodes[id].kind != N_PORT) {
		c->nodes[id].pos = start;
		c->nodes[id].len = c->at > start ? c->cur.pos - start : 1;
	} else if (id >= 0) {
		size_t end = c->nodes[id].pos + c->nodes[id].len;

		c->nodes[id].pos = start;
		c->nodes[id].len = end - start;
	}
	return id;
}

static int parse_unary(struct compiler *c)
{
	int id, inner;

	if (++c->depth > MAX_DEPTH) {
		fail_at(c, &c->cur, "the filter is nested too deeply (at most %d levels)",
			MAX_DEPTH);
		return -1;
	}
	if (c->cur.kind == T_NOT) {
		next(c);
		inner = parse_unary(c);
		if (inner < 0)
			return -1;
		id = new_node(c, N_NOT);
		if (id < 0)
			return -1;
		c->nodes[id].left = inner;
		c->nodes[id].pos = c->nodes[inner].pos;
		c->nodes[id].len = c->nodes[inner].len;
	} else if (c->cur.kind == T_LPAREN) {
		struct tok open = c->cur;

		next(c);
		id = parse_expr(c);
		if (id < 0)
			return -1;
		if (c->cur.kind != T_RPAREN) {
			if (c->cur.kind == T_END)
				return fail_at(c, &open, "this parenthesis is never closed");
			return fail_at(c, &c->cur, "expected 'and', 'or' or ')' here");
		}
		next(c);
	} else {
		id = parse_term(c);
	}
	c->depth--;
	return id;
}

static int parse_expr(struct compiler *c)
{
	int left = parse_unary(c);

	while (left >= 0 && (c->cur.kind == T_AND || c->cur.kind == T_OR)) {
		enum node_kind kind = c->cur.kind == T_AND ? N_AND : N_OR;
		int right, id;

		next(c);
		right = parse_unary(c);
		if (right < 0)
			return -1;
		id = new_node(c, kind);
		if (id < 0)
			return -1;
		c->nodes[id].left = left;
		c->nodes[id].right = right;
		c->nodes[id].pos = c->nodes[left].pos;
		c->nodes[id].len = c->nodes[right].pos + c->nodes[right].len - c->nodes[left].pos;
		left = id;
	}
	return left;
}

/* --- code generation --------------------------------------------------------------------- */

static int label(struct compiler *c)
{
	if (c->nlabels >= MAX_LABELS) {
		fail_at(c, NULL, "the filter is too long for one program");
		return 0;
	}
	c->label_at[c->nlabels] = -1;
	return c->nlabels++;
}

static void place(struct compiler *c, int l)
{
	if (l < c->nlabels)
		c->label_at[l] = c->ncode;
}

static void emit(struct compiler *c, __u8 op, __u8 size, __u32 k, int jt, int jf)
{
	if (c->ncode >= WL_FILTER_MAX_INSNS) {
		fail_at(c, NULL, "the filter is too long (more than %d instructions)",
			WL_FILTER_MAX_INSNS);
		return;
	}
	c->code[c->ncode++] = (struct ainsn){op, size, jt, jf, k};
}

static void ld(struct compiler *c, __u8 op, __u8 size, __u32 k)
{
	emit(c, op, size, k, 0, 0);
}

/* Jump to t when A == k (JEQ), else to f; either may be the label placed right after. */
static void jmp(struct compiler *c, __u8 op, __u32 k, int t, int f)
{
	emit(c, op, 0, k, t, f);
}

/* Append the pcap-filter text of a subtree without application names to buf. */
static void canon(const struct compiler *c, int id, char *buf, size_t size)
{
	const struct node *n = &c->nodes[id];
	size_t len = strlen(buf);
	static const char *const dirs[] = {"", "src ", "dst ", "src and dst "};
	static const char *const types[] = {"", "host ", "net ", "port ", "portrange "};

	switch (n->kind) {
	case N_AND:
	case N_OR:
		snprintf(buf + len, size - len, "(");
		canon(c, n->left, buf, size);
		len = strlen(buf);
		snprintf(buf + len, size - len, ") %s (", n->kind == N_AND ? "and" : "or");
		canon(c, n->right, buf, size);
		len = strlen(buf);
		snprintf(buf + len, size - len, ")");
		break;
	case N_NOT:
		snprintf(buf + len, size - len, "not (");
		canon(c, n->left, buf, size);
		len = strlen(buf);
		snprintf(buf + len, size - len, ")");
		break;
	case N_PROTO:
		snprintf(buf + len, size - len, "%s", proto_names[n->q.proto]);
		break;
	default:
		snprintf(buf + len, size - len, "%s%s%s%s%s", proto_names[n->q.proto],
			 n->q.proto ? " " : "", dirs[n->q.dir], types[n->q.type], n->val);
		break;
	}
}

static bool has_app(const struct compiler *c, int id)
{
	const struct node *n = &c->nodes[id];

	if (n->kind == N_APP)
		return true;
	if (n->kind == N_AND || n->kind == N_OR)
		return has_app(c, n->left) || has_app(c, n->right);
	if (n->kind == N_NOT)
		return has_app(c, n->left);
	return false;
}

/*
 * A subtree in pcap-filter syntax: libpcap compiles it (optimised, as tcpdump does), and its
 * program becomes ours, its "return" instructions jumps to t and f. Being libpcap's own code,
 * it gives libpcap's verdict on every frame, truncated ones included.
 */
static void gen_pcap(struct compiler *c, int id, int t, int f)
{
	const struct node *n = &c->nodes[id];
	struct bpf_program bp = {0};
	char text[MAX_EXPR * 2] = "";
	struct tok at = {T_WORD, n->pos, n->len};
	pcap_t *dead;
	int err, base;

	canon(c, id, text, sizeof(text));
	dead = pcap_open_dead(c->linktype, 262144);
	if (!dead) {
		fail_at(c, &at, "out of memory");
		return;
	}
	err = pcap_compile(dead, &bp, text, 1, PCAP_NETMASK_UNKNOWN);
	if (err && strstr(pcap_geterr(dead), "rejects all packets")) {
		/* Never true on this link type (arp on raw IP): always false. */
		pcap_close(dead);
		jmp(c, WL_FOP_JEQ, 0, f, f);
		return;
	}
	if (err) {
		fail_at(c, &at, "libpcap cannot compile this: %s", pcap_geterr(dead));
		pcap_close(dead);
		return;
	}
	pcap_close(dead);
	base = c->ncode;
	for (u_int i = 0; i < bp.bf_len && !c->failed; i++) {
		const struct bpf_insn *in = &bp.bf_insns[i];
		__u8 size = BPF_SIZE(in->code) == BPF_W ? 4 : BPF_SIZE(in->code) == BPF_H ? 2 : 1;
		__u32 reach = in->k + size;

		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			jmp(c, WL_FOP_JEQ, 0, in->k ? t : f, in->k ? t : f);
			break;
		case BPF_LD:
			if (BPF_MODE(in->code) == BPF_IND)
				reach += 60; /* X: an IPv4 header length */
			if (BPF_MODE(in->code) != BPF_ABS && BPF_MODE(in->code) != BPF_IND)
				goto unsupported;
			if (reach > WL_FILTER_WINDOW) {
				fail_at(c, &at, "this reads past the first %d bytes of a frame",
					WL_FILTER_WINDOW);
				break;
			}
			ld(c, BPF_MODE(in->code) == BPF_ABS ? WL_FOP_LD_ABS : WL_FOP_LD_IND, size,
			   in->k);
			break;
		case BPF_LDX:
			if (BPF_MODE(in->code) != BPF_MSH || in->k + 1 > WL_FILTER_WINDOW)
				goto unsupported;
			ld(c, WL_FOP_LDX_MSH, 1, in->k);
			break;
		case BPF_ALU:
			if (BPF_OP(in->code) != BPF_AND || BPF_SRC(in->code) != BPF_K)
				goto unsupported;
			emit(c, WL_FOP_AND, 0, in->k, 0, 0);
			break;
		case BPF_JMP:
			if (BPF_SRC(in->code) != BPF_K || BPF_OP(in->code) == BPF_JA)
				goto unsupported;
			/* Relative targets inside the block: one of ours per one of theirs. */
			emit(c,
			     BPF_OP(in->code) == BPF_JEQ   ? WL_FOP_JEQ
			     : BPF_OP(in->code) == BPF_JGT ? WL_FOP_JGT
			     : BPF_OP(in->code) == BPF_JGE ? WL_FOP_JGE
							   : WL_FOP_JSET,
			     0, in->k, -1 - (int)in->jt, -1 - (int)in->jf);
			break;
		default:
			goto unsupported;
		}
		continue;
	unsupported:
		fail_at(c, &at,
			"libpcap compiled this to an instruction wirelens does not run "
			"(code 0x%x)",
			in->code);
	}
	/* Block-relative jumps (encoded as -1 - offset) become labels on the block's insns. */
	for (int i = base; i < c->ncode && !c->failed; i++) {
		struct ainsn *a = &c->code[i];

		if (a->op < WL_FOP_JEQ || a->jt >= 0)
			continue;
		for (int side = 0; side < 2; side++) {
			int *j = side ? &a->jf : &a->jt;
			int target = i + 1 + (-1 - *j), l;

			if (*j >= 0)
				continue;
			l = label(c);
			if (target >= c->ncode) {
				fail_at(c, &at, "libpcap's program jumps outside itself");
				break;
			}
			c->label_at[l] = target;
			*j = l;
		}
	}
	pcap_freecode(&bp);
}

static void gen(struct compiler *c, int id, int t, int f)
{
	const struct node *n = &c->nodes[id];
	int l;

	if (c->failed)
		return;
	if (!has_app(c, id)) {
		gen_pcap(c, id, t, f);
		return;
	}
	switch (n->kind) {
	case N_AND:
		l = label(c);
		gen(c, n->left, l, f);
		place(c, l);
		gen(c, n->right, t, f);
		break;
	case N_OR:
		l = label(c);
		gen(c, n->left, t, l);
		place(c, l);
		gen(c, n->right, t, f);
		break;
	case N_NOT:
		gen(c, n->left, f, t);
		break;
	case N_APP:
		ld(c, WL_FOP_LD_APP, 0, 0);
		jmp(c, WL_FOP_JEQ, n->app, t, f);
		break;
	default:
		break;
	}
}

/* Resolve labels into relative jumps. */
static int assemble(struct compiler *c, struct wl_filter_prog *prog)
{
	memset(prog, 0, sizeof(*prog));
	for (int i = 0; i < c->ncode; i++) {
		const struct ainsn *a = &c->code[i];
		struct wl_filter_insn *in = &prog->insns[i];

		in->op = a->op;
		in->size = a->size;
		in->k = a->k;
		if (a->op >= WL_FOP_JEQ) {
			int t = c->label_at[a->jt], f = c->label_at[a->jf];

			if (t <= i || f <= i || t - i - 1 > 255 || f - i - 1 > 255)
				return fail_at(c, NULL, "the filter is too long for one program");
			in->jt = (__u8)(t - i - 1);
			in->jf = (__u8)(f - i - 1);
		}
	}
	prog->len = (__u32)c->ncode;
	return 0;
}

int wl_filter_compile(const char *expr, int linktype, struct wl_filter_prog *prog,
		      struct wl_filter_error *err)
{
	struct compiler *c;
	int root, t, f, ret = 0;

	memset(err, 0, sizeof(*err));
	memset(prog, 0, sizeof(*prog));
	if (strlen(expr) > MAX_EXPR) {
		snprintf(err->msg, sizeof(err->msg),
			 "the filter is too long (at most %d characters)", MAX_EXPR);
		err->pos = MAX_EXPR;
		err->len = 1;
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	c->s = expr;
	c->linktype = linktype;
	c->err = err;
	next(c);
	if (c->cur.kind == T_END)
		goto out;
	root = parse_expr(c);
	if (root >= 0 && c->cur.kind != T_END) {
		if (word_unsupported(c, &c->cur))
			fail_at(c, &c->cur,
				"this is pcap-filter syntax that wirelens does not support");
		else if (c->cur.kind == T_BAD && c->s[c->cur.pos] == '[')
			fail_at(c, &c->cur,
				"byte offsets (proto[N]) are pcap-filter syntax that "
				"wirelens does not support");
		else if (c->cur.kind == T_BAD)
			fail_at(c, &c->cur, "unexpected character '%c'", c->s[c->cur.pos]);
		else if (c->cur.kind == T_RPAREN)
			fail_at(c, &c->cur, "this parenthesis was never opened");
		else
			fail_at(c, &c->cur, "expected 'and' or 'or' before this");
	}
	if (c->failed)
		goto out;
	t = label(c);
	f = label(c);
	gen(c, root, t, f);
	place(c, t);
	emit(c, WL_FOP_RET, 0, 1, 0, 0);
	place(c, f);
	emit(c, WL_FOP_RET, 0, 0, 0, 0);
	if (!c->failed)
		assemble(c, prog);
out:
	if (c->failed) {
		memset(prog, 0, sizeof(*prog));
		ret = -EINVAL;
	}
	free(c);
	return ret;
}

void wl_filter_print_error(const char *expr, const struct wl_filter_error *err)
{
	size_t len = strlen(expr), pos = err->pos < len ? err->pos : len;
	size_t n = err->len ? err->len : 1;

	fprintf(stderr, "wirelens: filter: %s\n", err->msg);
	/* Newlines from a filter file would break the caret line: show them as blanks. */
	fputs("  ", stderr);
	for (size_t i = 0; i < len; i++)
		fputc(expr[i] == '\n' || expr[i] == '\t' || expr[i] == '\r' ? ' ' : expr[i],
		      stderr);
	fputs("\n  ", stderr);
	for (size_t i = 0; i < pos; i++)
		fputc(' ', stderr);
	for (size_t i = 0; i < n; i++)
		fputc('^', stderr);
	fputc('\n', stderr);
}

bool wl_filter_run(const struct wl_filter_prog *prog, const uint8_t *data,
		   const struct wl_filter_env *env)
{
	struct wl_filter_state st = {0};

	if (!prog->len)
		return true;
	for (int i = 0; i < WL_FILTER_MAX_INSNS; i++)
		if (wl_filter_step(prog, &st, data, env))
			break;
	return st.done && st.verdict;
}

uint32_t wl_link_raw_ethertype(const uint8_t *data)
{
	return (data[0] >> 4) == 6 ? ETH_IP6 : ((data[0] >> 4) == 4 ? ETH_IP : 0);
}

/* DLT_NULL/DLT_LOOP: the address family; AF_INET is 2 everywhere, AF_INET6 varies. */
uint32_t wl_link_null_ethertype(int linktype, const uint8_t *data)
{
	uint32_t fam;

	if (linktype == DLT_LOOP)
		fam = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | data[2] << 8 | data[3];
	else /* the capturing host's byte order: accept either */
		fam = data[0] ? data[0] : data[3];
	if (fam == 2)
		return ETH_IP;
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return ETH_IP6;
	return 0;
}

void wl_filter_dump(const struct wl_filter_prog *prog, FILE *out)
{
	static const char *const ops[WL_FOP_MAX] = {
		[WL_FOP_RET] = "ret",	     [WL_FOP_LD_ABS] = "ld",	 [WL_FOP_LD_IND] = "ld x+",
		[WL_FOP_LDX_MSH] = "ldx 4*", [WL_FOP_LD_APP] = "ld app", [WL_FOP_AND] = "and",
		[WL_FOP_JEQ] = "jeq",	     [WL_FOP_JGT] = "jgt",	 [WL_FOP_JGE] = "jge",
		[WL_FOP_JSET] = "jset",
	};

	for (__u32 i = 0; i < prog->len; i++) {
		const struct wl_filter_insn *in = &prog->insns[i];

		fprintf(out, "(%03u) %-9s", i, in->op < WL_FOP_MAX ? ops[in->op] : "?");
		if (in->op >= WL_FOP_LD_ABS && in->op <= WL_FOP_LDX_MSH)
			fprintf(out, " [%u:%u]\n", in->k, in->size);
		else if (in->op >= WL_FOP_JEQ)
			fprintf(out, " #0x%x jt %u jf %u\n", in->k, i + 1 + in->jt, i + 1 + in->jf);
		else if (in->op == WL_FOP_RET || in->op == WL_FOP_AND)
			fprintf(out, " #0x%x\n", in->k);
		else
			fputc('\n', out);
	}
}
