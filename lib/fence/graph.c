/* netfence: the DOT text of one fence (graph.h). The container is one node; each allowed
 * destination (an element of its host-side sets, or of its learned sets with the seconds it has
 * left) is a node reached by an edge; hostname rules and dns-names hang off the resolver that
 * follows them; what is denied is one node at the end. Node ids are generated here, and every
 * label that holds text from outside goes through dot_str. */
#define _GNU_SOURCE
#include "graph.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "nft_learn.h"
#include "rclient.h"
#include "util.h"

/* A DOT quoted string's body: '"' and '\' escaped, bytes outside printable ASCII as '?' (dot
 * reads its input as UTF-8 and refuses malformed sequences). */
static void dot_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

/* The address range [lo, hi] of a family as text: an address, a prefix, or "lo - hi". */
static void range_str(int family, const uint8_t *lo, const uint8_t *hi, char *buf, size_t size)
{
	int len = family == AF_INET ? 4 : 16, bits = len * 8, plen = bits;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool prefix = true;

	inet_ntop(family, lo, a, sizeof(a));
	if (memcmp(lo, hi, (size_t)len) == 0) {
		snprintf(buf, size, "%s", a);
		return;
	}
	/* the longest run of host bits: lo has them clear, hi set, the rest equal */
	while (plen > 0) {
		int byte = (plen - 1) / 8, bit = 7 - (plen - 1) % 8;
		bool l = lo[byte] >> bit & 1, h = hi[byte] >> bit & 1;

		if (l || !h)
			break;
		plen--;
	}
	for (int i = 0; i < plen && prefix; i++)
		prefix = (lo[i / 8] >> (7 - i % 8) & 1) == (hi[i / 8] >> (7 - i % 8) & 1);
	if (prefix) {
		snprintf(buf, size, "%s/%d", a, plen);
		return;
	}
	inet_ntop(family, hi, b, sizeof(b));
	snprintf(buf, size, "%s - %s", a, b);
}

/* "10.0.0.0/8 tcp 443", "192.0.2.1 udp 53", "2001:db8::/32 any protocol" */
static void box_str(int family, const struct nf_box *b, bool has_ports, char *buf, size_t size)
{
	char r[100], p[16], ports[24] = "";

	range_str(family, b->lo, b->hi, r, sizeof(r));
	if (b->proto_lo != b->proto_hi)
		snprintf(p, sizeof(p), "any protocol");
	else if (b->proto_lo == 6 || b->proto_lo == 17)
		snprintf(p, sizeof(p), "%s", b->proto_lo == 6 ? "tcp" : "udp");
	else if (b->proto_lo == 1 || b->proto_lo == 58)
		snprintf(p, sizeof(p), "%s", b->proto_lo == 1 ? "icmp" : "icmpv6");
	else
		snprintf(p, sizeof(p), "protocol %u", b->proto_lo);
	if (has_ports && b->port_lo == b->port_hi)
		snprintf(ports, sizeof(ports), " port %u", b->port_lo);
	else if (has_ports && !(b->port_lo == 0 && b->port_hi == 65535))
		snprintf(ports, sizeof(ports), " ports %u-%u", b->port_lo, b->port_hi);
	snprintf(buf, size, "%s %s%s", r, p, ports);
}

struct graph_learned {
	FILE *f;
	size_t n;
	struct gname { /* the resolver's `learned` reply: an address, a name it was learned from */
		char addr[INET6_ADDRSTRLEN];
		char name[256];
	} * names;
	size_t n_names, cap;
};

static int name_line(const char *line, size_t n, void *arg)
{
	_cleanup_(yajl_tree_freep) yajl_val v = NULL;
	struct graph_learned *g = arg;
	yajl_val a, name;

	if (json_parse_strict(line, n, "resolver: learned", &v, NULL) < 0)
		return 0; /* a line this version does not read: the graph goes on without it */
	a = json_get(v, "address");
	name = json_get(v, "name");
	if (!YAJL_IS_STRING(a) || !YAJL_IS_STRING(name))
		return 0;
	if (g->n_names == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		struct gname *nv = realloc(g->names, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		g->names = nv;
		g->cap = cap;
	}
	snprintf(g->names[g->n_names].addr, sizeof(g->names[0].addr), "%s", a->u.string);
	snprintf(g->names[g->n_names++].name, sizeof(g->names[0].name), "%s", name->u.string);
	return 0;
}

static int learned_node(const struct nf_box *b, int family, uint64_t expires_ms, void *arg)
{
	struct graph_learned *g = arg;
	char t[160], a[INET6_ADDRSTRLEN];
	bool first = true;

	box_str(family, b, true, t, sizeof(t));
	inet_ntop(family, b->lo, a, sizeof(a));
	fprintf(g->f, "\tl%zu [label=\"%s\\nlearned from DNS, expires in %" PRIu64 " s", g->n, t,
		(expires_ms + 999) / 1000);
	for (size_t i = 0; i < g->n_names; i++) {
		if (strcmp(g->names[i].addr, a) != 0)
			continue;
		fprintf(g->f, "%s", first ? "\\nanswer to: " : ", ");
		dot_str(g->f, g->names[i].name);
		first = false;
	}
	fprintf(g->f,
		"\", color=darkgreen];\n\tresolver -> l%zu [style=dotted, arrowhead=none];\n"
		"\tc -> l%zu [label=\"allowed\", color=darkgreen];\n",
		g->n, g->n);
	g->n++;
	return 0;
}

static void write_boxes(FILE *f, const struct nf_boxset *s, const char *tag, bool egress)
{
	for (size_t i = 0; i < s->n; i++) {
		char t[160];

		box_str(s->family, &s->v[i], true, t, sizeof(t));
		fprintf(f, "\t%s%zu [label=\"%s\"];\n", tag, i, t);
		if (egress)
			fprintf(f, "\tc -> %s%zu [label=\"allowed\"];\n", tag, i);
		else
			fprintf(f, "\t%s%zu -> c [label=\"allowed in\"];\n", tag, i);
	}
}

static void write_dns(FILE *f, const struct journal_dns *d)
{
	char a[64];

	fprintf(f, "\tresolver [label=\"netfence-resolver\\nforwards to:");
	for (size_t i = 0; i < d->n_upstreams; i++)
		fprintf(f, "\\n%s", nf_addr_str(&d->upstreams[i], a, sizeof(a)));
	fprintf(f, "\", shape=component];\n\tc -> resolver [label=\"DNS\"];\n");
	for (size_t i = 0; i < d->n_rules; i++) {
		fprintf(f, "\tr%zu [label=\"", i);
		dot_str(f, d->rules[i]);
		fprintf(f,
			"\\nhostname rule: opens what it resolves to\", shape=note];\n"
			"\tresolver -> r%zu [style=dashed];\n",
			i);
	}
	if (d->n_names) {
		fprintf(f, "\tnames [label=\"dns-names (resolve, open nothing):");
		for (size_t i = 0; i < d->n_names; i++) {
			fprintf(f, "\\n");
			dot_str(f, d->names[i]);
		}
		fprintf(f, "\", shape=note];\n\tresolver -> names [style=dashed];\n");
	}
}

static void write_denied(FILE *f, const struct journal *j)
{
	fprintf(f, "\tdenied [label=\"denied");
	if (j->base == NF_BASE_INTERNET && j->host_known) {
		for (size_t s = 4; s < 6; s++)
			for (size_t i = 0; i < j->host[s].n; i++) {
				char t[160];

				box_str(j->host[s].family, &j->host[s].v[i], false, t, sizeof(t));
				fprintf(f, "\\n%s", t);
			}
		fprintf(f, "\\nthe host's own addresses and networks");
	} else if (j->base == NF_BASE_INTERNET) {
		fprintf(f, "\\nlocal and private ranges, the host's networks");
	} else {
		fprintf(f, "\\neverything else");
	}
	fprintf(f,
		"\\nother containers and the host's services\\nDNS to any other "
		"resolver%s\", shape=octagon, color=red];\n"
		"\tc -> denied [label=\"blocked\", color=red, style=dashed];\n",
		j->ipv6 ? "" : "\\nIPv6 (off)");
}

int graph_dot(const struct journal *j, const char *state_dir, char **ret, size_t *ret_len,
	      struct nf_error *err)
{
	struct graph_learned gl = { 0 };
	char *buf = NULL, a[64];
	size_t len = 0;
	FILE *f;
	int r = 0;

	f = open_memstream(&buf, &len);
	if (!f)
		return nf_sys_err(err, errno, "graph");
	gl.f = f;
	fprintf(f, "digraph netfence {\n\trankdir=LR;\n\tnode [shape=box, fontname=\"sans\"];\n"
		   "\tedge [fontname=\"sans\", fontsize=10];\n\tc [label=\"container ");
	dot_str(f, j->id);
	fprintf(f, "\\npolicy ");
	dot_str(f, j->policy ? j->policy : "-");
	fprintf(f, " (%s), %s", nf_base_name(j->base),
		j->wire	     ? "wire"
		: j->overlay ? "overlay"
			     : "none");
	if (j->addr4.family)
		fprintf(f, "\\n%s", nf_addr_str(&j->addr4, a, sizeof(a)));
	if (j->addr6.family)
		fprintf(f, "\\n%s", nf_addr_str(&j->addr6, a, sizeof(a)));
	if (j->ifname[0])
		fprintf(f, "\\nhost end %s", j->ifname);
	fprintf(f, "\", shape=ellipse, style=bold];\n");

	if (j->base == NF_BASE_INTERNET)
		fprintf(f, "\tinternet [label=\"any other address\\n(internet)\", shape=oval];\n"
			   "\tc -> internet [label=\"allowed\"];\n");
	if (j->host_known) {
		write_boxes(f, &j->host[0], "e", true);
		write_boxes(f, &j->host[1], "f", true);
		write_boxes(f, &j->host[2], "i", false);
		write_boxes(f, &j->host[3], "k", false);
	} else if (j->base != NF_BASE_NONE) {
		/* overlay mode keeps no host-side copy, so its state records no boxes */
		fprintf(f, "\trules [label=\"address rules: in the namespace's own table\\n"
			   "(overlay mode records none in the state)\", shape=note];\n"
			   "\tc -> rules [style=dashed];\n");
	}
	if (j->dns) {
		struct nf_error e2 = { 0 };
		char req[1100];
		int nsfd = journal_open_ns(j);

		write_dns(f, j->dns);
		/* the names behind the addresses: without a resolver, addresses without names */
		snprintf(req, sizeof(req), "learned %.1024s\n", j->id);
		resolver_query(state_dir, req, 1000, name_line, &gl, &e2);
		if (nsfd >= 0) {
			r = nft_learn_list(nsfd, learned_node, &gl, err);
			close(nsfd);
		}
		free(gl.names);
	}
	if (j->base != NF_BASE_NONE)
		write_denied(f, j);
	else
		fprintf(f, "\tdenied [label=\"no network: loopback only\", shape=octagon, "
			   "color=red];\n\tc -> denied [color=red, style=dashed];\n");
	fprintf(f, "}\n");
	if (fclose(f) != 0 && r >= 0)
		r = nf_sys_err(err, errno, "graph");
	if (r < 0) {
		free(buf);
		if (!err->msg[0])
			nf_sys_err(err, r, "learned addresses");
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}
