/* netfence: per-container state files and the namespace index (see journal.h; the lock: lock.c).
 * The file is small JSON written whole to a temporary file and renamed, so a reader never
 * sees half of it; it is read back with the same strict parser as every other input. */
#include "dnsname.h"
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "json.h"
#include "rules.h"
#include "util.h"

/* a state holds its host-side boxes too (38 bytes each at most, hex-coded) */
#define STATE_MAX (16 * 1024 * 1024)
/* The state file's format; a reader refuses a newer one rather than misread it (upgrades: a
 * netfence reads every older format, so containers set up before an upgrade are torn down). */
#define JOURNAL_VERSION 2 /* 2: "host" (the host table's elements: shared sets) */

static int state_path(const char *state_dir, const char *id, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/%s.json", state_dir, id) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Every generator call's status is kept (the first failure wins): gc and tear-down trust this
 * file, so a state that could not be written whole is an error, never a half record. */
struct gen {
	yajl_gen g;
	yajl_gen_status st;
};

static void gen_ok(struct gen *w, yajl_gen_status st)
{
	if (w->st == yajl_gen_status_ok)
		w->st = st;
}

static void gen_key(struct gen *w, const char *key)
{
	gen_ok(w, yajl_gen_string(w->g, (const unsigned char *)key, strlen(key)));
}

static void gen_str(struct gen *w, const char *key, const char *val)
{
	gen_key(w, key);
	if (val)
		gen_ok(w, yajl_gen_string(w->g, (const unsigned char *)val, strlen(val)));
	else
		gen_ok(w, yajl_gen_null(w->g));
}

static void gen_int(struct gen *w, const char *key, long long v)
{
	gen_key(w, key);
	gen_ok(w, yajl_gen_integer(w->g, v));
}

static void gen_bool(struct gen *w, const char *key, bool v)
{
	gen_key(w, key);
	gen_ok(w, yajl_gen_bool(w->g, v));
}

static void gen_addr(struct gen *w, const char *key, const struct nf_addr *a)
{
	char buf[64];

	gen_str(w, key, a->family ? nf_addr_str(a, buf, sizeof(buf)) : NULL);
}

static const char *const host_sets[] = JOURNAL_HOST_SETS;

/* A box as hex: lo, hi (4 or 16 bytes each), proto_lo, proto_hi, port_lo, port_hi (2 bytes,
 * big-endian). */
static size_t box_hex(const struct nf_box *x, size_t alen, char *out)
{
	uint8_t raw[38];
	size_t n = 0;

	memcpy(raw, x->lo, alen);
	memcpy(raw + alen, x->hi, alen);
	n = 2 * alen;
	raw[n++] = x->proto_lo;
	raw[n++] = x->proto_hi;
	raw[n++] = (uint8_t)(x->port_lo >> 8);
	raw[n++] = (uint8_t)x->port_lo;
	raw[n++] = (uint8_t)(x->port_hi >> 8);
	raw[n++] = (uint8_t)x->port_hi;
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 2 * n;
}

static void gen_host(struct gen *w, const struct journal *j)
{
	gen_key(w, "host");
	gen_ok(w, yajl_gen_map_open(w->g));
	for (size_t s = 0; s < ARRAY_SIZE(host_sets); s++) {
		size_t alen = s % 2 ? 16 : 4;

		gen_key(w, host_sets[s]);
		gen_ok(w, yajl_gen_array_open(w->g));
		for (size_t i = 0; i < j->host[s].n; i++) {
			char hex[80];
			size_t n = box_hex(&j->host[s].v[i], alen, hex);

			gen_ok(w, yajl_gen_string(w->g, (const unsigned char *)hex, n));
		}
		gen_ok(w, yajl_gen_array_close(w->g));
	}
	gen_ok(w, yajl_gen_map_close(w->g));
}

static void gen_strv(struct gen *w, const char *key, char **v, size_t n)
{
	gen_key(w, key);
	gen_ok(w, yajl_gen_array_open(w->g));
	for (size_t i = 0; i < n; i++)
		gen_ok(w, yajl_gen_string(w->g, (const unsigned char *)v[i], strlen(v[i])));
	gen_ok(w, yajl_gen_array_close(w->g));
}

static void gen_dns(struct gen *w, const struct journal_dns *d)
{
	char buf[64];

	gen_key(w, "dns");
	gen_ok(w, yajl_gen_map_open(w->g));
	gen_key(w, "upstreams");
	gen_ok(w, yajl_gen_array_open(w->g));
	for (size_t i = 0; i < d->n_upstreams; i++) {
		const char *a = nf_addr_str(&d->upstreams[i], buf, sizeof(buf));

		gen_ok(w, yajl_gen_string(w->g, (const unsigned char *)a, strlen(a)));
	}
	gen_ok(w, yajl_gen_array_close(w->g));
	gen_strv(w, "rules", d->rules, d->n_rules);
	gen_strv(w, "names", d->names, d->n_names);
	gen_str(w, "refuse", d->nxdomain ? "nxdomain" : "refused");
	gen_int(w, "min_ttl", d->min_ttl);
	gen_int(w, "max_ttl", d->max_ttl);
	gen_int(w, "max_names", d->max_names);
	gen_int(w, "max_qps", d->max_qps);
	gen_ok(w, yajl_gen_map_close(w->g));
}

int journal_write(const char *state_dir, const struct journal *j, struct nf_error *err)
{
	_cleanup_(yajl_gen_freep) yajl_gen g = yajl_gen_alloc(NULL);
	struct gen w = { g, yajl_gen_status_ok };
	char path[PATH_MAX];
	const unsigned char *buf;
	size_t len;

	if (!g)
		return nf_sys_err(err, ENOMEM, "writing state");
	if (state_path(state_dir, j->id, path, sizeof(path)) < 0)
		return nf_sys_err(err, ENAMETOOLONG, "state file for %s", j->id);
	gen_ok(&w, yajl_gen_map_open(g));
	gen_int(&w, "version", JOURNAL_VERSION);
	gen_str(&w, "id", j->id);
	gen_str(&w, "hex", j->hex);
	gen_bool(&w, "complete", j->complete);
	gen_str(&w, "mode", j->wire ? "wire" : j->overlay ? "overlay" : "none");
	gen_int(&w, "netns_dev", (long long)j->ns.dev);
	gen_int(&w, "netns_ino", (long long)j->ns.ino);
	gen_int(&w, "pid", j->pid);
	gen_int(&w, "pid_start", (long long)j->pid_start);
	gen_str(&w, "netns_path", j->ns_path);
	gen_str(&w, "bundle", j->bundle);
	gen_str(&w, "policy", j->policy);
	gen_str(&w, "base", nf_base_name(j->base));
	gen_bool(&w, "ipv6", j->ipv6);
	gen_bool(&w, "nat", j->nat);
	gen_str(&w, "ifname", j->ifname[0] ? j->ifname : NULL);
	gen_addr(&w, "addr4", &j->addr4);
	gen_addr(&w, "gw4", &j->gw4);
	gen_addr(&w, "addr6", &j->addr6);
	gen_addr(&w, "gw6", &j->gw6);
	gen_int(&w, "steps", j->steps);
	gen_int(&w, "created", (long long)j->created);
	gen_str(&w, "ns_handle", j->ns_handle);
	gen_str(&w, "fingerprint", j->fingerprint[0] ? j->fingerprint : NULL);
	gen_str(&w, "member_of", j->member_of);
	gen_key(&w, "members");
	gen_ok(&w, yajl_gen_array_open(g));
	for (size_t i = 0; i < j->n_members; i++) {
		gen_ok(&w, yajl_gen_map_open(g));
		gen_str(&w, "id", j->members[i].id);
		gen_int(&w, "pid", j->members[i].pid);
		gen_int(&w, "pid_start", (long long)j->members[i].pid_start);
		gen_ok(&w, yajl_gen_map_close(g));
	}
	gen_ok(&w, yajl_gen_array_close(g));
	if (j->host_known)
		gen_host(&w, j);
	if (j->dns)
		gen_dns(&w, j->dns);
	gen_ok(&w, yajl_gen_map_close(g));
	if (w.st == yajl_gen_status_ok)
		w.st = yajl_gen_get_buf(g, &buf, &len);
	if (w.st != yajl_gen_status_ok)
		return nf_sys_err(err, EINVAL, "writing state for %s", j->id);
	return nf_write_file_atomic(path, (const char *)buf, len, 0600, err);
}

static int get_str(yajl_val root, const char *key, char **ret)
{
	yajl_val v = json_get(root, key);

	*ret = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_STRING(v))
		return -EINVAL;
	*ret = strdup(v->u.string);
	return *ret ? 0 : -ENOMEM;
}

static int get_u64(yajl_val root, const char *key, uint64_t *ret)
{
	yajl_val v = json_get(root, key);

	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return -EINVAL;
	*ret = (uint64_t)YAJL_GET_INTEGER(v);
	return 0;
}

static bool get_bool(yajl_val root, const char *key)
{
	yajl_val v = json_get(root, key);

	return v && YAJL_IS_TRUE(v);
}

static int get_addr(yajl_val root, const char *key, struct nf_addr *ret)
{
	_cleanup_free_ char *s = NULL;
	int r = get_str(root, key, &s);

	memset(ret, 0, sizeof(*ret));
	if (r < 0 || !s)
		return r;
	return nf_addr_parse(s, ret);
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int get_box(const char *s, size_t alen, struct nf_box *x)
{
	uint8_t raw[38];
	size_t n = 2 * alen + 6;

	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	memset(x, 0, sizeof(*x));
	memcpy(x->lo, raw, alen);
	memcpy(x->hi, raw + alen, alen);
	x->proto_lo = raw[2 * alen];
	x->proto_hi = raw[2 * alen + 1];
	x->port_lo = (uint16_t)(raw[2 * alen + 2] << 8 | raw[2 * alen + 3]);
	x->port_hi = (uint16_t)(raw[2 * alen + 4] << 8 | raw[2 * alen + 5]);
	return 0;
}

/* "host" (format 2): absent in format 1 and in states without host-side elements */
static int get_host(yajl_val root, struct journal *j)
{
	yajl_val h = json_get(root, "host");

	if (!h || YAJL_IS_NULL(h))
		return 0;
	if (!YAJL_IS_OBJECT(h))
		return -EINVAL;
	for (size_t s = 0; s < ARRAY_SIZE(host_sets); s++) {
		yajl_val a = json_get(h, host_sets[s]);
		struct nf_boxset *bs = &j->host[s];

		bs->family = s % 2 ? AF_INET6 : AF_INET;
		if (!a)
			continue;
		if (!YAJL_IS_ARRAY(a))
			return -EINVAL;
		if (a->u.array.len == 0)
			continue;
		bs->v = calloc(a->u.array.len, sizeof(*bs->v));
		if (!bs->v)
			return -ENOMEM;
		for (size_t i = 0; i < a->u.array.len; i++) {
			yajl_val e = a->u.array.values[i];

			if (!YAJL_IS_STRING(e) ||
			    get_box(YAJL_GET_STRING(e), s % 2 ? 16 : 4, &bs->v[i]) < 0)
				return -EINVAL;
			bs->n++;
		}
	}
	j->host_known = true;
	return 0;
}

void journal_dns_free(struct journal_dns *d)
{
	if (!d)
		return;
	free(d->upstreams);
	nf_strv_free(d->rules, d->n_rules);
	nf_strv_free(d->names, d->n_names);
	free(d);
}

/* An array of strings, each checked by ok (NULL: any). */
static int get_dns_strv(yajl_val d, const char *key, bool (*ok)(const char *), char ***ret,
			size_t *ret_n)
{
	yajl_val a = json_get(d, key);

	if (!a || !YAJL_IS_ARRAY(a))
		return -EINVAL;
	*ret = calloc(a->u.array.len + 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < a->u.array.len; i++) {
		yajl_val e = a->u.array.values[i];

		if (!YAJL_IS_STRING(e) || !ok(e->u.string))
			return -EINVAL;
		(*ret)[i] = strdup(e->u.string);
		if (!(*ret)[i])
			return -ENOMEM;
		(*ret_n)++;
	}
	return 0;
}

/* a hostname or wildcard rule, as policy.c keeps them */
static bool dns_rule_ok(const char *s)
{
	struct nf_rule r;
	bool ok;

	if (rule_parse("dns", s, &r, NULL) < 0)
		return false;
	ok = r.family == 0;
	rule_clear(&r);
	return ok;
}

/* "*", or a lower-case name or "*." name */
static bool dns_name_ok(const char *s)
{
	size_t n = strlen(s);
	char host[254];

	if (strcmp(s, "*") == 0)
		return true;
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	}
	return n > 0 && s[n - 1] != '.' && !dnsname_check(s, n, host) && strcmp(s, host) == 0;
}

static int get_dns_uint(yajl_val d, const char *key, unsigned lo, unsigned hi, unsigned *ret)
{
	yajl_val v = json_get(d, key);

	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < lo || YAJL_GET_INTEGER(v) > hi)
		return -EINVAL;
	*ret = (unsigned)YAJL_GET_INTEGER(v);
	return 0;
}

/* "dns": absent (or null) in static mode, in member records and in older states */
static int get_dns(yajl_val root, struct journal *j)
{
	yajl_val d = json_get(root, "dns"), up;
	struct journal_dns *x;
	_cleanup_free_ char *refuse = NULL;
	int r;

	if (!d || YAJL_IS_NULL(d))
		return 0;
	if (!YAJL_IS_OBJECT(d))
		return -EINVAL;
	x = j->dns = calloc(1, sizeof(*j->dns));
	if (!x)
		return -ENOMEM;
	up = json_get(d, "upstreams");
	if (!up || !YAJL_IS_ARRAY(up))
		return -EINVAL;
	x->upstreams = calloc(up->u.array.len + 1, sizeof(*x->upstreams));
	if (!x->upstreams)
		return -ENOMEM;
	for (size_t i = 0; i < up->u.array.len; i++) {
		yajl_val e = up->u.array.values[i];

		if (!YAJL_IS_STRING(e) || nf_addr_parse(e->u.string, &x->upstreams[i]) < 0)
			return -EINVAL;
		x->n_upstreams++;
	}
	r = get_dns_strv(d, "rules", dns_rule_ok, &x->rules, &x->n_rules);
	if (r >= 0)
		r = get_dns_strv(d, "names", dns_name_ok, &x->names, &x->n_names);
	if (r >= 0)
		r = get_str(d, "refuse", &refuse);
	if (r >= 0 &&
	    (!refuse || (strcmp(refuse, "refused") != 0 && strcmp(refuse, "nxdomain") != 0)))
		r = -EINVAL;
	/* the ranges of the host keys (hostconf.c) */
	if (r >= 0)
		r = get_dns_uint(d, "min_ttl", 0, 604800, &x->min_ttl);
	if (r >= 0)
		r = get_dns_uint(d, "max_ttl", 1, 604800, &x->max_ttl);
	if (r >= 0)
		r = get_dns_uint(d, "max_names", 1, 1000000, &x->max_names);
	if (r >= 0)
		r = get_dns_uint(d, "max_qps", 1, 100000, &x->max_qps);
	if (r >= 0 && x->min_ttl > x->max_ttl)
		r = -EINVAL;
	if (r >= 0)
		x->nxdomain = strcmp(refuse, "nxdomain") == 0;
	return r;
}

static int get_members(yajl_val root, struct journal *j)
{
	yajl_val v = json_get(root, "members");

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_ARRAY(v))
		return -EINVAL;
	for (size_t i = 0; i < v->u.array.len; i++) {
		yajl_val m = v->u.array.values[i];
		_cleanup_free_ char *id = NULL;
		uint64_t pid = 0, start = 0;
		int r;

		r = get_str(m, "id", &id);
		if (r >= 0 && !id)
			r = -EINVAL;
		if (r >= 0)
			r = get_u64(m, "pid", &pid);
		if (r >= 0)
			r = get_u64(m, "pid_start", &start);
		if (r >= 0)
			r = journal_member_add(j, id, pid <= INT_MAX ? (int)pid : 0, start);
		if (r < 0)
			return r;
	}
	return 0;
}

int journal_read(const char *state_dir, const char *id, struct journal **ret, struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	_cleanup_free_ char *buf = NULL, *hex = NULL, *mode = NULL, *base = NULL, *ifname = NULL,
			    *fp = NULL;
	_cleanup_close_ int fd = -1;
	struct journal *j;
	char path[PATH_MAX];
	uint64_t v;
	size_t len;
	int r;

	if (state_path(state_dir, id, path, sizeof(path)) < 0)
		return nf_sys_err(err, ENAMETOOLONG, "state file for %s", id);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return nf_sys_err(err, errno, "opening %s", path);
	}
	r = nf_read_all(fd, STATE_MAX, path, &buf, &len, err);
	if (r < 0)
		return r;
	r = json_parse_strict(buf, len, path, &root, err);
	if (r < 0)
		return nf_sys_err(err, EINVAL, "state file %s is corrupt", path);
	/* no "version": a state of netfence before formats were numbered, the same layout */
	v = 0;
	if (json_get(root, "version") && (get_u64(root, "version", &v) < 0 || v > JOURNAL_VERSION))
		return nf_sys_err(
			err, EPROTO,
			"state file %s: format version %s, this netfence reads up to %d "
			"(finish or tear down its containers with the netfence that made them)",
			path, v ? "newer" : "unreadable", JOURNAL_VERSION);
	j = calloc(1, sizeof(*j));
	if (!j)
		return nf_sys_err(err, ENOMEM, "reading %s", path);
	r = get_str(root, "id", &j->id);
	if (r >= 0 && (!j->id || strcmp(j->id, id) != 0))
		r = -EINVAL;
	if (r >= 0)
		r = get_str(root, "hex", &hex);
	if (r >= 0 && (!hex || strlen(hex) != 12))
		r = -EINVAL;
	if (r >= 0)
		r = get_str(root, "mode", &mode);
	if (r >= 0)
		r = get_str(root, "base", &base);
	if (r >= 0)
		r = get_str(root, "ifname", &ifname);
	if (r >= 0 && ifname && strlen(ifname) >= sizeof(j->ifname))
		r = -EINVAL;
	if (r >= 0)
		r = get_str(root, "netns_path", &j->ns_path);
	if (r >= 0)
		r = get_str(root, "bundle", &j->bundle);
	if (r >= 0)
		r = get_str(root, "policy", &j->policy);
	if (r >= 0)
		r = get_u64(root, "netns_dev", &j->ns.dev);
	if (r >= 0)
		r = get_u64(root, "netns_ino", &j->ns.ino);
	if (r >= 0 && (r = get_u64(root, "pid", &v)) >= 0)
		j->pid = v <= INT_MAX ? (int)v : 0;
	if (r >= 0)
		r = get_u64(root, "pid_start", &j->pid_start);
	if (r >= 0 && (r = get_u64(root, "steps", &v)) >= 0)
		j->steps = (unsigned)v;
	if (r >= 0)
		r = get_u64(root, "created", &j->created);
	if (r >= 0)
		r = get_addr(root, "addr4", &j->addr4);
	if (r >= 0)
		r = get_addr(root, "gw4", &j->gw4);
	if (r >= 0)
		r = get_addr(root, "addr6", &j->addr6);
	if (r >= 0)
		r = get_addr(root, "gw6", &j->gw6);
	if (r >= 0)
		r = get_str(root, "ns_handle", &j->ns_handle);
	if (r >= 0)
		r = get_str(root, "member_of", &j->member_of);
	if (r >= 0)
		r = get_str(root, "fingerprint", &fp);
	if (r >= 0 && fp && strlen(fp) >= sizeof(j->fingerprint))
		r = -EINVAL;
	if (r >= 0)
		r = get_members(root, j);
	if (r >= 0)
		r = get_host(root, j);
	if (r < 0) {
		journal_free(j);
		return nf_sys_err(err, EINVAL, "state file %s is corrupt", path);
	}
	r = get_dns(root, j);
	if (r < 0) {
		journal_free(j);
		if (r == -ENOMEM)
			return nf_sys_err(err, ENOMEM, "reading %s", path);
		return nf_sys_err(err, EINVAL, "state file %s: \"dns\" is malformed", path);
	}
	memcpy(j->hex, hex, 13);
	if (ifname)
		snprintf(j->ifname, sizeof(j->ifname), "%s", ifname);
	j->complete = get_bool(root, "complete");
	j->wire = mode && strcmp(mode, "wire") == 0;
	j->overlay = mode && strcmp(mode, "overlay") == 0;
	if (fp)
		snprintf(j->fingerprint, sizeof(j->fingerprint), "%s", fp);
	j->base = base ? nf_base_from_name(base) : NF_BASE_UNSET;
	j->ipv6 = get_bool(root, "ipv6");
	j->nat = get_bool(root, "nat");
	*ret = j;
	return 0;
}

int journal_remove(const char *state_dir, const char *id, struct nf_error *err)
{
	char path[PATH_MAX];

	if (state_path(state_dir, id, path, sizeof(path)) < 0)
		return nf_sys_err(err, ENAMETOOLONG, "state file for %s", id);
	if (unlink(path) < 0 && errno != ENOENT)
		return nf_sys_err(err, errno, "removing %s", path);
	return 0;
}

void journal_free(struct journal *j)
{
	if (!j)
		return;
	free(j->id);
	free(j->ns_path);
	free(j->bundle);
	free(j->policy);
	free(j->ns_handle);
	free(j->member_of);
	for (size_t i = 0; i < j->n_members; i++)
		free(j->members[i].id);
	free(j->members);
	for (size_t i = 0; i < ARRAY_SIZE(j->host); i++)
		nf_boxset_clear(&j->host[i]);
	journal_dns_free(j->dns);
	free(j);
}

int journal_list(const char *state_dir, char ***ret, size_t *n, struct nf_error *err)
{
	_cleanup_(closedirp) DIR *d = opendir(state_dir);
	char **v = NULL;
	size_t cnt = 0;
	struct dirent *de;

	*ret = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return nf_sys_err(err, errno, "listing %s", state_dir);
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nv;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv)
			goto oom;
		v = nv;
		v[cnt] = strndup(de->d_name, len - 5);
		if (!v[cnt])
			goto oom;
		cnt++;
	}
	*ret = v;
	*n = cnt;
	return 0;
oom:
	nf_strv_free(v, cnt);
	return nf_sys_err(err, ENOMEM, "listing %s", state_dir);
}

uint64_t proc_start_time(int pid)
{
	char path[64], buf[2048];
	_cleanup_close_ int fd = -1;
	unsigned long long start = 0;
	ssize_t len;
	char *p;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* p is at the space before field 3 (state); each step moves to the space before the next
	 * field, so 19 steps reach the one before field 22, starttime */
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

static int open_matching(const char *path, const struct netns_id *want)
{
	struct netns_id id;
	int fd = netns_open(path, &id, NULL);

	if (fd < 0)
		return -ENOENT;
	if (id.dev != want->dev || id.ino != want->ino) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

bool journal_member_alive(const struct journal_member *m, const struct netns_id *ns)
{
	char path[64];
	int fd;

	if (m->pid <= 0 || proc_start_time(m->pid) != m->pid_start)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", m->pid);
	fd = open_matching(path, ns);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

const struct journal_member *journal_self(const struct journal *j, struct journal_member *buf)
{
	if (j->member_of) {
		*buf = (struct journal_member){ .id = j->id,
						.pid = j->pid,
						.pid_start = j->pid_start };
		return buf;
	}
	for (size_t i = 0; i < j->n_members; i++)
		if (strcmp(j->members[i].id, j->id) == 0)
			return &j->members[i];
	return NULL;
}

bool journal_container_alive(const struct journal *j)
{
	struct journal_member self = { .id = j->id, .pid = j->pid, .pid_start = j->pid_start };

	if (j->member_of || j->n_members == 0)
		return journal_member_alive(&self, &j->ns);
	for (size_t i = 0; i < j->n_members; i++)
		if (journal_member_alive(&j->members[i], &j->ns))
			return true;
	return false;
}

int journal_open_ns(const struct journal *j)
{
	char path[64];
	int fd;

	/* the handle first: it outlives every pid */
	if (j->ns_handle && (fd = open_matching(j->ns_handle, &j->ns)) >= 0)
		return fd;
	if (j->ns_path && (fd = open_matching(j->ns_path, &j->ns)) >= 0)
		return fd;
	for (size_t i = 0; i <= j->n_members; i++) {
		const struct journal_member *m = i < j->n_members ? &j->members[i] : NULL;
		int pid = m ? m->pid : j->pid;
		uint64_t start = m ? m->pid_start : j->pid_start;

		if (pid <= 0 || proc_start_time(pid) != start)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		fd = open_matching(path, &j->ns);
		if (fd >= 0)
			return fd;
	}
	return -ENOENT;
}

int journal_member_add(struct journal *j, const char *id, int pid, uint64_t pid_start)
{
	struct journal_member *v;

	for (size_t i = 0; i < j->n_members; i++) {
		if (strcmp(j->members[i].id, id) == 0) {
			j->members[i].pid = pid;
			j->members[i].pid_start = pid_start;
			return 0;
		}
	}
	v = realloc(j->members, (j->n_members + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	j->members = v;
	v[j->n_members].id = strdup(id);
	if (!v[j->n_members].id)
		return -ENOMEM;
	v[j->n_members].pid = pid;
	v[j->n_members].pid_start = pid_start;
	j->n_members++;
	return 0;
}

void journal_member_remove(struct journal *j, const char *id)
{
	for (size_t i = 0; i < j->n_members; i++) {
		if (strcmp(j->members[i].id, id) != 0)
			continue;
		free(j->members[i].id);
		memmove(&j->members[i], &j->members[i + 1],
			(j->n_members - i - 1) * sizeof(j->members[0]));
		j->n_members--;
		return;
	}
}

static int index_path(const char *state_dir, const struct netns_id *ns, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/netns/%" PRIu64 "-%" PRIu64, state_dir, ns->dev,
			     ns->ino) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int journal_index_get(const char *state_dir, const struct netns_id *ns, char **ret,
		      struct nf_error *err)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX];
	size_t len;
	int r;

	*ret = NULL;
	if (index_path(state_dir, ns, path, sizeof(path)) < 0)
		return nf_sys_err(err, ENAMETOOLONG, "namespace index in %s", state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : nf_sys_err(err, errno, "opening %s", path);
	r = nf_read_all(fd, 2048, path, ret, &len, err);
	if (r < 0)
		return r;
	if (len == 0) {
		free(*ret);
		*ret = NULL;
	}
	return 0;
}

int journal_index_set(const char *state_dir, const struct netns_id *ns, const char *owner,
		      struct nf_error *err)
{
	char path[PATH_MAX];
	int r;

	if (index_path(state_dir, ns, path, sizeof(path)) < 0)
		return nf_sys_err(err, ENAMETOOLONG, "namespace index in %s", state_dir);
	*strrchr(path, '/') = '\0';
	r = nf_mkdir_p(path, 0700);
	if (r < 0)
		return nf_sys_err(err, r, "creating %s", path);
	index_path(state_dir, ns, path, sizeof(path));
	return nf_write_file_atomic(path, owner, strlen(owner), 0600, err);
}

int journal_index_remove(const char *state_dir, const struct netns_id *ns, struct nf_error *err)
{
	char path[PATH_MAX];

	if (index_path(state_dir, ns, path, sizeof(path)) < 0)
		return nf_sys_err(err, ENAMETOOLONG, "namespace index in %s", state_dir);
	if (unlink(path) < 0 && errno != ENOENT)
		return nf_sys_err(err, errno, "removing %s", path);
	return 0;
}
