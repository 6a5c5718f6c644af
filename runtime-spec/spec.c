/* netfence: the OCI state and config.json into owned C structs (see spec.h).
 * Only the members netfence reads are type-checked; other members are the runtime's business.
 * Nothing of yajl leaves this file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/capability.h>

#include "util.h"
#include "json.h"

#define SPEC_ID_MAX 1024

static void kv_free(struct spec_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* Optional string member: absent or null -> *ret NULL; other types are errors. */
static int get_str(yajl_val obj, const char *key, const char *what, char **ret,
		   struct nf_error *err)
{
	yajl_val v = json_get(obj, key);

	*ret = NULL;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_STRING(v))
		return nf_input_err(err, "%s: \"%s\" must be a string", what, key);
	*ret = strdup(v->u.string);
	if (!*ret)
		return nf_sys_err(err, ENOMEM, "%s", what);
	return 0;
}

static int get_annotations(yajl_val obj, const char *what, struct spec_kv **ret, size_t *ret_n,
			   struct nf_error *err)
{
	yajl_val v = json_get(obj, "annotations");
	struct spec_kv *kv;
	size_t n;

	*ret = NULL;
	*ret_n = 0;
	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return nf_input_err(err, "%s: \"annotations\" must be an object", what);
	n = v->u.object.len;
	if (n == 0)
		return 0;
	kv = calloc(n, sizeof(*kv));
	if (!kv)
		return nf_sys_err(err, ENOMEM, "%s", what);
	for (size_t i = 0; i < n; i++) {
		yajl_val s = v->u.object.values[i];

		if (!YAJL_IS_STRING(s)) {
			kv_free(kv, n);
			return nf_input_err(err, "%s: annotation \"%.200s\" must be a string", what,
					    v->u.object.keys[i]);
		}
		kv[i].key = strdup(v->u.object.keys[i]);
		kv[i].value = strdup(s->u.string);
		if (!kv[i].key || !kv[i].value) {
			kv_free(kv, n);
			return nf_sys_err(err, ENOMEM, "%s", what);
		}
	}
	*ret = kv;
	*ret_n = n;
	return 0;
}

/* buf as a JSON object of at most max bytes; oci: read as runc reads config.json (json.h). */
static int parse_object(const char *buf, size_t len, const char *what, size_t max, bool oci,
			yajl_val *ret, struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	int r;

	if (len > max)
		return nf_input_err(err, "%s: larger than the limit of %zu bytes", what, max);
	r = oci ? json_parse_oci_config(buf, len, what, &root, err)
		: json_parse_strict(buf, len, what, &root, err);
	if (r < 0)
		return r;
	if (!YAJL_IS_OBJECT(root))
		return nf_input_err(err, "%s: not a JSON object", what);
	*ret = steal_pointer(&root);
	return 0;
}

void spec_state_free(struct spec_state *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->id);
	free(s->status);
	free(s->bundle);
	kv_free(s->annotations, s->n_annotations);
	free(s);
}

int spec_state_parse(const char *buf, size_t len, struct spec_state **ret, struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	_cleanup_(spec_state_freep) struct spec_state *s = NULL;
	const char *what = "state";
	yajl_val pid;
	int r;

	r = parse_object(buf, len, what, SPEC_STATE_MAX, false, &root, err);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return nf_sys_err(err, ENOMEM, "%s", what);
	if ((r = get_str(root, "ociVersion", what, &s->oci_version, err)) < 0 ||
	    (r = get_str(root, "id", what, &s->id, err)) < 0 ||
	    (r = get_str(root, "status", what, &s->status, err)) < 0 ||
	    (r = get_str(root, "bundle", what, &s->bundle, err)) < 0)
		return r;
	if (!s->id || !s->id[0])
		return nf_input_err(err, "%s: \"id\" is missing or empty", what);
	if (strchr(s->id, '/'))
		return nf_input_err(err, "%s: \"id\" contains '/'", what);
	if (strlen(s->id) > SPEC_ID_MAX)
		return nf_input_err(err, "%s: \"id\" longer than %d bytes", what, SPEC_ID_MAX);
	/* the id names files and goes into the one-line error message */
	for (const unsigned char *c = (const unsigned char *)s->id; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return nf_input_err(err, "%s: \"id\" contains a control character", what);
	if (strcmp(s->id, ".") == 0 || strcmp(s->id, "..") == 0)
		return nf_input_err(err, "%s: \"id\" is not a valid name", what);
	if (s->bundle && s->bundle[0] != '/')
		return nf_input_err(err, "%s: \"bundle\" is not an absolute path", what);
	pid = json_get(root, "pid");
	if (pid && !YAJL_IS_NULL(pid)) {
		if (!YAJL_IS_INTEGER(pid) || pid->u.number.i < 0 || pid->u.number.i > INT_MAX)
			return nf_input_err(err, "%s: \"pid\" must be a non-negative integer",
					    what);
		s->pid = (int)pid->u.number.i;
	}
	r = get_annotations(root, what, &s->annotations, &s->n_annotations, err);
	if (r < 0)
		return r;
	*ret = steal_pointer(&s);
	return 0;
}

int spec_state_read(int fd, struct spec_state **ret, struct nf_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = nf_read_all(fd, SPEC_STATE_MAX, "state", &buf, &len, err);
	if (r < 0)
		return r;
	return spec_state_parse(buf, len, ret, err);
}

static void seccomp_free(struct spec_seccomp *sc);

void spec_config_free(struct spec_config *c)
{
	if (!c)
		return;
	free(c->root_path);
	free(c->netns_path);
	kv_free(c->annotations, c->n_annotations);
	free(c->selinux_label);
	seccomp_free(c->seccomp);
	free(c);
}

/* Capability names by number, as <linux/capability.h> has them (without "CAP_"), packed. */
/* clang-format off */
static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
	"NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
	"SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE",
	"SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
	"SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND",
	"AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"
};
/* clang-format on */

int spec_cap_number(const char *name)
{
	size_t len;

	if (name[0] >= '0' && name[0] <= '9') {
		/* libcap: strtoul(name, &end, 0), the rest ignored, below 64 */
		unsigned long v;
		char *end;

		errno = 0;
		v = strtoul(name, &end, 0);
		return errno || v >= 64 ? -1 : (int)v;
	}
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	/* libcap reads the name up to the first character that is not a letter or '_' */
	len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_");
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strlen(cap_names[i]) == len && strncasecmp(name, cap_names[i], len) == 0)
			return (int)i;
	return -1;
}

static bool has_cap(yajl_val caps, int cap)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted",
					    "ambient" };

	if (!caps || !YAJL_IS_OBJECT(caps))
		return false;
	for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
		yajl_val v = json_get(caps, sets[s]);

		for (size_t i = 0; v && YAJL_IS_ARRAY(v) && i < v->u.array.len; i++) {
			yajl_val c = v->u.array.values[i];

			if (YAJL_IS_STRING(c) && spec_cap_number(c->u.string) == cap)
				return true;
		}
	}
	return false;
}

/* How strict a seccomp action is, as libseccomp orders them; >= 4 refuses the call. */
int spec_seccomp_action_rank(const char *name)
{
	static const struct {
		const char *name;
		int rank;
	} ranks[] = {
		{ "SCMP_ACT_KILL_PROCESS", 7 }, { "SCMP_ACT_KILL_THREAD", 6 },
		{ "SCMP_ACT_KILL", 6 },		{ "SCMP_ACT_TRAP", 5 },
		{ "SCMP_ACT_ERRNO", 4 },	{ "SCMP_ACT_NOTIFY", 3 },
		{ "SCMP_ACT_TRACE", 2 },	{ "SCMP_ACT_LOG", 1 },
		{ "SCMP_ACT_ALLOW", 0 },
	};

	for (size_t i = 0; name && i < ARRAY_SIZE(ranks); i++)
		if (strcmp(name, ranks[i].name) == 0)
			return ranks[i].rank;
	return -1; /* unknown: never counted as a denial */
}

const char *const spec_sc_op_names[SPEC_SC_MASKED_EQ + 1] = { NULL,	     "SCMP_CMP_NE",
							      "SCMP_CMP_LT", "SCMP_CMP_LE",
							      "SCMP_CMP_EQ", "SCMP_CMP_GE",
							      "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };

enum spec_sc_op spec_seccomp_op(const char *name)
{
	for (size_t i = 1; name && i < ARRAY_SIZE(spec_sc_op_names); i++)
		if (strcmp(name, spec_sc_op_names[i]) == 0)
			return (enum spec_sc_op)i;
	return 0;
}

/* One rule of linux.seccomp as read; a condition we cannot read has op 0. */
struct sc_rule {
	char **names;
	size_t n_names;
	int rank;
	size_t n_args;
	struct spec_sc_arg *args;
};

struct spec_seccomp {
	int default_rank;
	char **arches;
	size_t n_arches;
	struct sc_rule *rules;
	size_t n_rules;
};

static void seccomp_free(struct spec_seccomp *sc)
{
	if (!sc)
		return;
	nf_strv_free(sc->arches, sc->n_arches);
	for (size_t i = 0; i < sc->n_rules; i++) {
		nf_strv_free(sc->rules[i].names, sc->rules[i].n_names);
		free(sc->rules[i].args);
	}
	free(sc->rules);
	free(sc);
}

NF_DEFINE_CLEANUP(struct spec_seccomp *, seccomp_free)

/* Strings of an array (non-strings skipped), owned. */
static int strings_of(yajl_val arr, char ***ret, size_t *ret_n)
{
	size_t n = 0;
	char **v;

	*ret = NULL;
	*ret_n = 0;
	if (!arr || !YAJL_IS_ARRAY(arr))
		return 0;
	v = calloc(arr->u.array.len + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < arr->u.array.len; i++) {
		yajl_val s = arr->u.array.values[i];

		if (!YAJL_IS_STRING(s))
			continue;
		v[n] = strdup(s->u.string);
		if (!v[n]) {
			nf_strv_free(v, n);
			return -ENOMEM;
		}
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int seccomp_parse(yajl_val sc, struct spec_seccomp **ret)
{
	_cleanup_(seccomp_freep) struct spec_seccomp *s = NULL;
	yajl_val v = json_get(sc, "syscalls"), a;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	a = json_get(sc, "defaultAction");
	s->default_rank = spec_seccomp_action_rank(a && YAJL_IS_STRING(a) ? a->u.string : NULL);
	r = strings_of(json_get(sc, "architectures"), &s->arches, &s->n_arches);
	if (r < 0)
		return r;
	if (v && YAJL_IS_ARRAY(v) && v->u.array.len > 0) {
		s->rules = calloc(v->u.array.len, sizeof(*s->rules));
		if (!s->rules)
			return -ENOMEM;
	}
	for (size_t i = 0; v && YAJL_IS_ARRAY(v) && i < v->u.array.len; i++) {
		yajl_val rule = v->u.array.values[i], args = json_get(rule, "args");
		struct sc_rule *o = &s->rules[s->n_rules++];

		a = json_get(rule, "action");
		o->rank = spec_seccomp_action_rank(a && YAJL_IS_STRING(a) ? a->u.string : NULL);
		r = strings_of(json_get(rule, "names"), &o->names, &o->n_names);
		if (r < 0)
			return r;
		if (!args || !YAJL_IS_ARRAY(args) || args->u.array.len == 0)
			continue;
		o->args = calloc(args->u.array.len, sizeof(*o->args));
		if (!o->args)
			return -ENOMEM;
		o->n_args = args->u.array.len;
		for (size_t j = 0; j < args->u.array.len; j++) {
			yajl_val c = args->u.array.values[j], op = json_get(c, "op");
			struct spec_sc_arg *x = &o->args[j];
			uint64_t idx = 99;

			x->op = spec_seccomp_op(op && YAJL_IS_STRING(op) ? op->u.string : NULL);
			if (!json_u64(json_get(c, "index"), &idx) || idx > 5 ||
			    !json_u64(json_get(c, "value"), &x->value))
				x->op = 0;
			x->index = (unsigned)idx;
			if (json_get(c, "valueTwo") &&
			    !json_u64(json_get(c, "valueTwo"), &x->value_two))
				x->op = 0;
		}
	}
	*ret = steal_pointer(&s);
	return 0;
}

bool spec_seccomp_arg_matches(const struct spec_sc_arg *c, uint64_t x)
{
	switch (c->op) {
	case SPEC_SC_NE:
		return x != c->value;
	case SPEC_SC_LT:
		return x < c->value;
	case SPEC_SC_LE:
		return x <= c->value;
	case SPEC_SC_EQ:
		return x == c->value;
	case SPEC_SC_GE:
		return x >= c->value;
	case SPEC_SC_GT:
		return x > c->value;
	case SPEC_SC_MASKED_EQ:
		return (x & c->value) == c->value_two;
	}
	return false;
}

/* Does one rule's argument list match the call? A condition we cannot read, or one on an
 * argument beyond a[0..2], counts as matching for an allowing rule and as not matching for a
 * refusing one: the answer errs on the side of "not denied". */
static bool rule_matches(const struct sc_rule *rule, const uint64_t a[3])
{
	bool deny = rule->rank >= 4;

	for (size_t i = 0; i < rule->n_args; i++) {
		const struct spec_sc_arg *c = &rule->args[i];

		if (c->op == 0 || c->index > 2) {
			if (deny)
				return false;
			continue;
		}
		if (!spec_seccomp_arg_matches(c, a[c->index]))
			return false;
	}
	return true;
}

static bool names_has(const struct sc_rule *rule, const char *syscall)
{
	for (size_t i = 0; i < rule->n_names; i++)
		if (strcmp(rule->names[i], syscall) == 0)
			return true;
	return false;
}

/* The strictest matching rule wins, as libseccomp orders actions, with one exception modelled
 * after libseccomp: once a syscall has a rule without conditions, rules with conditions add
 * nothing to it, so an unconditional allow hides every conditional denial. */
static int seccomp_rank(const struct spec_seccomp *sc, const char *syscall, const uint64_t a[3])
{
	int uncond = -2, best = -2;
	const char *direct = NULL;

	/* The i386 socketcall multiplexer: libseccomp gives socketcall(SYS_SOCKET) (and
	 * SYS_SOCKETPAIR) the action of the first rule for socket (socketpair), without that
	 * rule's conditions, unless a socketcall rule came first. */
	if (strcmp(syscall, "socketcall") == 0)
		direct = a[0] == 1 ? "socket" : a[0] == 8 ? "socketpair" : NULL;
	for (size_t i = 0; direct && i < sc->n_rules; i++) {
		const struct sc_rule *rule = &sc->rules[i];

		if (names_has(rule, direct))
			return rule->rank;
		if (names_has(rule, syscall) && (rule->n_args == 0 || rule_matches(rule, a)))
			return rule->rank;
	}

	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct sc_rule *rule = &sc->rules[i];

		if (!names_has(rule, syscall))
			continue;
		if (rule->n_args == 0) {
			if (rule->rank > uncond)
				uncond = rule->rank;
		} else if (rule_matches(rule, a) && rule->rank > best) {
			best = rule->rank;
		}
	}
	if (uncond != -2)
		return uncond;
	return best == -2 ? sc->default_rank : best;
}

bool spec_seccomp_denies(const struct spec_config *c, const char *syscall, const uint64_t a[3])
{
	return c->seccomp && seccomp_rank(c->seccomp, syscall, a) >= 4;
}

bool spec_seccomp_has_arch(const struct spec_config *c, const char *arch)
{
	for (size_t i = 0; c->seccomp && i < c->seccomp->n_arches; i++)
		if (strcmp(c->seccomp->arches[i], arch) == 0)
			return true;
	return false;
}

/* Would this filter refuse socket(AF_NETLINK, type, NETLINK_NETFILTER) for every socket type
 * netlink accepts (raw or datagram, with or without SOCK_CLOEXEC / SOCK_NONBLOCK)? */
static bool seccomp_denies_nfnetlink(const struct spec_config *c)
{
	static const uint64_t types[] = { 2,	     3,		2 | 02000000, 3 | 02000000,
					  2 | 04000, 3 | 04000, 2 | 02004000, 3 | 02004000 };

	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		const uint64_t a[3] = { 16 /* AF_NETLINK */, types[t], 12 /* NETLINK_NETFILTER */ };

		if (!spec_seccomp_denies(c, "socket", a))
			return false;
	}
	return true;
}

static int parse_namespaces(yajl_val lx, const char *what, struct spec_config *c,
			    struct nf_error *err)
{
	yajl_val ns = json_get(lx, "namespaces");

	if (!ns || YAJL_IS_NULL(ns))
		return 0;
	if (!YAJL_IS_ARRAY(ns))
		return nf_input_err(err, "%s: \"linux.namespaces\" must be an array", what);
	for (size_t i = 0; i < ns->u.array.len; i++) {
		yajl_val e = ns->u.array.values[i], type;
		int r;

		if (!YAJL_IS_OBJECT(e))
			return nf_input_err(err, "%s: \"linux.namespaces\" entries must be objects",
					    what);
		type = json_get(e, "type");
		if (!YAJL_IS_STRING(type))
			return nf_input_err(
				err, "%s: \"linux.namespaces\" entry without a \"type\"", what);
		if (strcmp(type->u.string, "network") != 0)
			continue;
		/* two entries would leave it to the runtime which one wins */
		if (c->has_netns)
			return nf_input_err(err, "%s: two \"network\" entries in linux.namespaces",
					    what);
		c->has_netns = true;
		r = get_str(e, "path", what, &c->netns_path, err);
		if (r < 0)
			return r;
		if (c->netns_path && c->netns_path[0] != '/')
			return nf_input_err(err, "%s: network namespace path is not absolute",
					    what);
	}
	return 0;
}

int spec_config_parse(const char *buf, size_t len, const char *bundle, struct spec_config **ret,
		      struct nf_error *err)
{
	_cleanup_(yajl_tree_freep) yajl_val root = NULL;
	_cleanup_(spec_config_freep) struct spec_config *c = NULL;
	const char *what = "config.json";
	yajl_val v;
	int r;

	r = parse_object(buf, len, what, SPEC_CONFIG_MAX, true, &root, err);
	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return nf_sys_err(err, ENOMEM, "%s", what);

	v = json_get(root, "root");
	if (v && !YAJL_IS_NULL(v)) {
		if (!YAJL_IS_OBJECT(v))
			return nf_input_err(err, "%s: \"root\" must be an object", what);
		r = get_str(v, "path", what, &c->root_path, err);
		if (r < 0)
			return r;
		if (c->root_path && c->root_path[0] != '/' && bundle) {
			char *abs;

			if (asprintf(&abs, "%s/%s", bundle, c->root_path) < 0)
				return nf_sys_err(err, ENOMEM, "%s", what);
			free(c->root_path);
			c->root_path = abs;
		}
	}

	v = json_get(root, "process");
	if (v && !YAJL_IS_NULL(v)) {
		if (!YAJL_IS_OBJECT(v))
			return nf_input_err(err, "%s: \"process\" must be an object", what);
		r = get_str(v, "selinuxLabel", what, &c->selinux_label, err);
		if (r < 0)
			return r;
		c->cap_net_admin = has_cap(json_get(v, "capabilities"), CAP_NET_ADMIN);
		c->cap_net_raw = has_cap(json_get(v, "capabilities"), CAP_NET_RAW);
	}

	v = json_get(root, "linux");
	if (v && !YAJL_IS_NULL(v)) {
		yajl_val sc;

		if (!YAJL_IS_OBJECT(v))
			return nf_input_err(err, "%s: \"linux\" must be an object", what);
		r = parse_namespaces(v, what, c, err);
		if (r < 0)
			return r;
		sc = json_get(v, "seccomp");
		if (sc && !YAJL_IS_NULL(sc)) {
			if (!YAJL_IS_OBJECT(sc))
				return nf_input_err(err, "%s: \"linux.seccomp\" must be an object",
						    what);
			c->has_seccomp = true;
			r = seccomp_parse(sc, &c->seccomp);
			if (r < 0)
				return nf_sys_err(err, r, "%s", what);
			c->seccomp_denies_nfnetlink = seccomp_denies_nfnetlink(c);
		}
	}

	r = get_annotations(root, what, &c->annotations, &c->n_annotations, err);
	if (r < 0)
		return r;
	*ret = steal_pointer(&c);
	return 0;
}

static int config_read_fd(int fd, const char *bundle, const char *path, struct spec_config **ret,
			  struct nf_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = nf_read_all(fd, SPEC_CONFIG_MAX, path, &buf, &len, err);
	if (r < 0)
		return r;
	return spec_config_parse(buf, len, bundle, ret, err);
}

int spec_config_load(const char *bundle, const char *path, struct spec_config **ret,
		     struct nf_error *err)
{
	_cleanup_close_ int fd = -1;
	char def[PATH_MAX];

	if (!bundle || bundle[0] != '/')
		return nf_input_err(err, "bundle: not an absolute path");
	if (!path && (size_t)snprintf(def, sizeof(def), "%s/config.json", bundle) >= sizeof(def))
		return nf_input_err(err, "bundle: path too long");
	path = path ? path : def;
	if (path[0] != '/')
		return nf_input_err(err, "config file \"%s\": not an absolute path", path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return nf_sys_err(err, errno, "opening %s", path);
	return config_read_fd(fd, bundle, path, ret, err);
}

int spec_config_load_path(const char *path, struct spec_config **ret, struct nf_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *dir = NULL;
	const char *slash;

	if (strcmp(path, "-") == 0)
		return config_read_fd(STDIN_FILENO, NULL, "config.json", ret, err);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return nf_sys_err(err, errno, "opening %s", path);
	/* the bundle is the file's directory, for root.path */
	slash = strrchr(path, '/');
	if (slash && path[0] == '/')
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	return config_read_fd(fd, dir, path, ret, err);
}

const char *spec_annotation(const struct spec_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}
