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

#include "../hook/util.h"
#include "json.h"

#define SPEC_ID_MAX 1024

static void yajl_valp(yajl_val *v)
{
	if (*v)
		yajl_tree_free(*v);
}

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

static void spec_state_freep(struct spec_state **s)
{
	spec_state_free(*s);
}

int spec_state_parse(const char *buf, size_t len, struct spec_state **ret, struct nf_error *err)
{
	__attribute__((cleanup(yajl_valp))) yajl_val root = NULL;
	__attribute__((cleanup(spec_state_freep))) struct spec_state *s = NULL;
	const char *what = "state";
	yajl_val pid;
	int r;

	if (len > SPEC_STATE_MAX)
		return nf_input_err(err, "%s: larger than the limit of %d bytes", what,
				    SPEC_STATE_MAX);
	r = json_parse_strict(buf, len, what, &root, err);
	if (r < 0)
		return r;
	if (!YAJL_IS_OBJECT(root))
		return nf_input_err(err, "%s: not a JSON object", what);
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

void spec_config_free(struct spec_config *c)
{
	if (!c)
		return;
	free(c->root_path);
	free(c->netns_path);
	kv_free(c->annotations, c->n_annotations);
	free(c->selinux_label);
	free(c);
}

static bool has_cap(yajl_val caps, const char *cap)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted",
					    "ambient" };

	if (!caps || !YAJL_IS_OBJECT(caps))
		return false;
	for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
		yajl_val v = json_get(caps, sets[s]);

		for (size_t i = 0; v && YAJL_IS_ARRAY(v) && i < v->u.array.len; i++) {
			yajl_val c = v->u.array.values[i];

			if (YAJL_IS_STRING(c) && strcmp(c->u.string, cap) == 0)
				return true;
		}
	}
	return false;
}

/* How strict a seccomp action is, as libseccomp orders them; >= 4 refuses the call. */
static int action_rank(yajl_val v)
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

	for (size_t i = 0; v && YAJL_IS_STRING(v) && i < ARRAY_SIZE(ranks); i++)
		if (strcmp(v->u.string, ranks[i].name) == 0)
			return ranks[i].rank;
	return -1; /* unknown: never counted as a denial */
}

static bool get_u64v(yajl_val obj, const char *key, uint64_t *ret)
{
	yajl_val v = json_get(obj, key);

	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
		return false;
	*ret = (uint64_t)YAJL_GET_INTEGER(v);
	return true;
}

/* Does one rule's argument list match socket(a[0], a[1], a[2])? A condition on another
 * argument, or one we cannot read, counts as matching for an allow rule and as not matching
 * for a refusing one: the answer errs on the side of "not denied". */
static bool rule_matches(yajl_val args, const uint64_t a[3], bool deny)
{
	for (size_t i = 0; args && YAJL_IS_ARRAY(args) && i < args->u.array.len; i++) {
		yajl_val c = args->u.array.values[i];
		yajl_val op = json_get(c, "op");
		uint64_t idx, val, two = 0, x;
		bool m;

		if (!get_u64v(c, "index", &idx) || idx > 2 || !get_u64v(c, "value", &val) || !op ||
		    !YAJL_IS_STRING(op))
			return !deny;
		get_u64v(c, "valueTwo", &two);
		x = a[idx];
		if (strcmp(op->u.string, "SCMP_CMP_EQ") == 0)
			m = x == val;
		else if (strcmp(op->u.string, "SCMP_CMP_NE") == 0)
			m = x != val;
		else if (strcmp(op->u.string, "SCMP_CMP_LT") == 0)
			m = x < val;
		else if (strcmp(op->u.string, "SCMP_CMP_LE") == 0)
			m = x <= val;
		else if (strcmp(op->u.string, "SCMP_CMP_GT") == 0)
			m = x > val;
		else if (strcmp(op->u.string, "SCMP_CMP_GE") == 0)
			m = x >= val;
		else if (strcmp(op->u.string, "SCMP_CMP_MASKED_EQ") == 0)
			m = (x & val) == two;
		else
			return !deny;
		if (!m)
			return false;
	}
	return true;
}

static bool names_socket(yajl_val names)
{
	for (size_t i = 0; names && YAJL_IS_ARRAY(names) && i < names->u.array.len; i++) {
		yajl_val n = names->u.array.values[i];

		if (YAJL_IS_STRING(n) && strcmp(n->u.string, "socket") == 0)
			return true;
	}
	return false;
}

/* Would this filter refuse socket(AF_NETLINK, type, NETLINK_NETFILTER) for every socket type
 * netlink accepts (raw or datagram, with or without SOCK_CLOEXEC / SOCK_NONBLOCK)? The
 * strictest matching rule wins, as in libseccomp; no matching rule means the default. */
static bool seccomp_denies_nfnetlink(yajl_val sc)
{
	static const uint64_t types[] = { 2,	     3,		2 | 02000000, 3 | 02000000,
					  2 | 04000, 3 | 04000, 2 | 02004000, 3 | 02004000 };
	yajl_val syscalls = json_get(sc, "syscalls");
	int def = action_rank(json_get(sc, "defaultAction"));

	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		const uint64_t a[3] = { 16 /* AF_NETLINK */, types[t], 12 /* NETLINK_NETFILTER */ };
		int best = -2;

		for (size_t i = 0; syscalls && YAJL_IS_ARRAY(syscalls) && i < syscalls->u.array.len;
		     i++) {
			yajl_val rule = syscalls->u.array.values[i];
			int rank = action_rank(json_get(rule, "action"));

			if (!names_socket(json_get(rule, "names")))
				continue;
			if (rule_matches(json_get(rule, "args"), a, rank >= 4) && rank > best)
				best = rank;
		}
		if ((best == -2 ? def : best) < 4)
			return false;
	}
	return true;
}

static void spec_config_freep(struct spec_config **c)
{
	spec_config_free(*c);
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
	__attribute__((cleanup(yajl_valp))) yajl_val root = NULL;
	__attribute__((cleanup(spec_config_freep))) struct spec_config *c = NULL;
	const char *what = "config.json";
	yajl_val v;
	int r;

	if (len > SPEC_CONFIG_MAX)
		return nf_input_err(err, "%s: larger than the limit of %d bytes", what,
				    SPEC_CONFIG_MAX);
	r = json_parse_strict(buf, len, what, &root, err);
	if (r < 0)
		return r;
	if (!YAJL_IS_OBJECT(root))
		return nf_input_err(err, "%s: not a JSON object", what);
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
		c->cap_net_admin = has_cap(json_get(v, "capabilities"), "CAP_NET_ADMIN");
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
			c->seccomp_denies_nfnetlink = seccomp_denies_nfnetlink(sc);
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

int spec_config_load(const char *bundle, struct spec_config **ret, struct nf_error *err)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX];

	if (!bundle || bundle[0] != '/')
		return nf_input_err(err, "bundle: not an absolute path");
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", bundle) >= sizeof(path))
		return nf_input_err(err, "bundle: path too long");
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
