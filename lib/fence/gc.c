/* netfence: gc (see gc.h): records whose hook or runtime died, then leases, nf* links, host
 * chains and name reservations that no record names. */
#include "gc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "ipam.h"
#include "journal.h"
#include "link.h"
#include "names.h"
#include "nft.h"
#include "teardown.h"
#include "util.h"

struct gc_known {
	char **ids;
	char (*hex)[13]; /* the hex each owner record recorded ("" for the rest) */
	size_t n;
};

static bool known_id(const struct gc_known *k, const char *id)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->ids[i] && strcmp(k->ids[i], id) == 0)
			return true;
	return false;
}

static bool known_hex(const struct gc_known *k, const char *hex)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->ids[i] && k->hex[i][0] && strcmp(k->hex[i], hex) == 0)
			return true;
	return false;
}

struct lease_orphan {
	struct nf_addr host;
	char *id;
};

struct gc_leases {
	const struct gc_known *known;
	struct lease_orphan *v;
	size_t n;
};

static int collect_orphan_lease(const struct nf_addr *host_addr, const char *id, void *arg)
{
	struct gc_leases *l = arg;
	struct lease_orphan *nv;

	if (known_id(l->known, id))
		return 0;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n].host = *host_addr;
	l->v[l->n].id = strdup(id);
	if (!l->v[l->n].id)
		return -ENOMEM;
	l->n++;
	return 0;
}

int fence_gc(const struct hostconf *hc, unsigned *ret_removed, struct nf_error *err)
{
	_cleanup_close_ int lock = -1;
	struct gc_known known = { 0 };
	struct gc_leases leases = { 0 };
	char **names = NULL;
	size_t n_names = 0;
	unsigned removed = 0;
	int first = 0, r;

	lock = journal_lock_timeout(hc->state_dir, hc->lock_timeout, err);
	if (lock < 0)
		return lock;
	r = journal_list(hc->state_dir, &known.ids, &known.n, err);
	if (r < 0)
		return r;
	known.hex = calloc(known.n + 1, sizeof(*known.hex));
	if (!known.hex) {
		nf_strv_free(known.ids, known.n);
		return nf_sys_err(err, ENOMEM, "gc");
	}
	for (size_t i = 0; i < known.n; i++) {
		struct nf_error e2 = { 0 };
		struct journal *j = NULL;

		r = journal_read(hc->state_dir, known.ids[i], &j, &e2);
		if (r < 0) {
			if (r != -ENOENT && first == 0) {
				first = r;
				*err = e2;
			}
			continue;
		}
		if (j->member_of) {
			/* a member record whose fence is gone or no longer lists it */
			struct journal *owner = NULL;
			bool listed = false;

			if (journal_read(hc->state_dir, j->member_of, &owner, &e2) >= 0)
				for (size_t k = 0; k < owner->n_members; k++)
					listed |= strcmp(owner->members[k].id, j->id) == 0;
			journal_free(owner);
			if (!listed && journal_remove(hc->state_dir, j->id, &e2) >= 0)
				removed++;
			journal_free(j);
			continue;
		}
		memcpy(known.hex[i], j->hex, sizeof(known.hex[i]));
		/* members whose runtime died without poststop leave the fence */
		for (size_t k = 0; j->complete && k < j->n_members;) {
			struct journal_member *m = &j->members[k];

			if (journal_member_alive(m, &j->ns)) {
				k++;
				continue;
			}
			if (strcmp(m->id, j->id) != 0)
				journal_remove(hc->state_dir, m->id, NULL);
			journal_member_remove(j, m->id);
			if (journal_write(hc->state_dir, j, &e2) >= 0)
				removed++;
		}
		if (!j->complete || j->n_members == 0) {
			r = fence_teardown(hc, j, &e2);
			if (r < 0 && first == 0) {
				first = r;
				*err = e2;
			}
			if (r >= 0) {
				removed++;
				free(known.ids[i]);
				known.ids[i] = NULL;
			}
		}
		journal_free(j);
	}

	/* leases no state names: a hook killed between leasing and recording */
	leases.known = &known;
	r = ipam_foreach(hc->state_dir, collect_orphan_lease, &leases, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < leases.n; i++) {
		struct nf_error e2 = { 0 };
		struct nf_addr ctr = leases.v[i].host;

		/* Leased, never recorded: nothing was made with it (the journal records every
		 * later step). Its name is unknown and never recomputed from the id, which could
		 * name another container's objects; the sweeps below take any nf* leftovers. */
		nf_addr_add(&ctr, 1);
		r = conntrack_flush_addr(&ctr, &e2);
		if (r >= 0)
			r = ipam_release(hc->state_dir, &leases.v[i].host, leases.v[i].id, &e2);
		if (r < 0 && first == 0) {
			first = r;
			*err = e2;
		}
		if (r >= 0)
			removed++;
		free(leases.v[i].id);
	}
	free(leases.v);

	/* nf* links and host chains that no state names */
	r = link_list_nf(&names, &n_names, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < n_names; i++) {
		struct nf_error e2 = { 0 };

		/* nf<hex> and nfb<hex> (link_list_nf) */
		if (known_hex(&known, names[i] + strlen(names[i]) - 12))
			continue;
		r = link_delete(names[i], &e2);
		if (r < 0 && first == 0) {
			first = r;
			*err = e2;
		}
		if (r >= 0)
			removed++;
	}
	nf_strv_free(names, n_names);
	names = NULL;
	n_names = 0;
	r = nft_host_list(&names, &n_names, err);
	if (r < 0 && first == 0)
		first = r;
	for (size_t i = 0; i < n_names; i++) {
		struct nf_error e2 = { 0 };
		struct nft_fence f = { .by_ifname = true };

		if (known_hex(&known, names[i]))
			continue;
		snprintf(f.hex, sizeof(f.hex), "%s", names[i]);
		snprintf(f.ifname, sizeof(f.ifname), "nf%s", names[i]);
		r = nft_host_remove(&f, &e2);
		if (r < 0 && first == 0) {
			first = r;
			*err = e2;
		}
		if (r >= 0)
			removed++;
	}
	nf_strv_free(names, n_names);
	{
		unsigned n = 0;

		r = journal_name_sweep(hc->state_dir, &n, err);
		if (r < 0 && first == 0)
			first = r;
		removed += n;
	}
	nf_strv_free(known.ids, known.n);
	free(known.hex);
	if (ret_removed)
		*ret_removed = removed;
	return first;
}
