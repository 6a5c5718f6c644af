/* netfence-resolver: boxes of one learned address (rbox.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rbox.h"

int rbox_add(struct nf_boxset *s, const struct nf_box *b)
{
	struct nf_box *v = realloc(s->v, (s->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->v = v;
	s->v[s->n++] = *b;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* The sorted distinct edges of the intervals [lo, hi+1) of n boxes along one axis. */
static size_t edges(const struct nf_box *const *v, size_t n, bool port, unsigned *e)
{
	size_t k = 0, u = 0;

	for (size_t i = 0; i < n; i++) {
		e[k++] = port ? v[i]->port_lo : v[i]->proto_lo;
		e[k++] = (port ? v[i]->port_hi : v[i]->proto_hi) + 1u;
	}
	qsort(e, k, sizeof(*e), cmp_u32);
	for (size_t i = 0; i < k; i++)
		if (u == 0 || e[u - 1] != e[i])
			e[u++] = e[i];
	return u;
}

static bool covered(const struct nf_box *const *v, size_t n, unsigned proto, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (proto >= v[i]->proto_lo && proto <= v[i]->proto_hi && port >= v[i]->port_lo &&
		    port <= v[i]->port_hi)
			return true;
	return false;
}

/* Is a cell in the result: in a or b (union), or in b and not in a (difference)? v holds a's
 * boxes, then b's. */
static bool cell_in(const struct nf_box *const *v, size_t na, size_t n, bool diff, unsigned p,
		    unsigned q)
{
	if (!diff)
		return covered(v, n, p, q);
	return covered(v + na, n - na, p, q) && !covered(v, na, p, q);
}

/* Cut both axes at every box edge; each cell is wholly in or out of the result. Rows (protocol
 * intervals) with the same port ranges are merged, and so are adjacent port cells. */
static int grid(const struct nf_boxset *a, const struct nf_boxset *b, bool diff,
		struct nf_boxset *out)
{
	size_t n = a->n + b->n, np, nq;
	const struct nf_box **v = calloc(n + 1, sizeof(*v));
	unsigned *pe = calloc(2 * n + 1, sizeof(*pe)), *qe = calloc(2 * n + 1, sizeof(*qe));
	struct nf_boxset o = { .family = a->n ? a->family : b->family };
	int r = 0;

	if (!v || !pe || !qe) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = i < a->n ? &a->v[i] : &b->v[i - a->n];
	np = edges(v, n, false, pe);
	nq = edges(v, n, true, qe);
	for (size_t p = 0; p + 1 < np && r >= 0; p++) {
		size_t row = o.n;

		for (size_t q = 0; q + 1 < nq && r >= 0; q++) {
			struct nf_box bx = *v[0];

			if (!cell_in(v, a->n, n, diff, pe[p], qe[q]))
				continue;
			if (o.n > row && o.v[o.n - 1].port_hi + 1u == qe[q]) {
				o.v[o.n - 1].port_hi = (uint16_t)(qe[q + 1] - 1);
				continue;
			}
			bx.proto_lo = (uint8_t)pe[p];
			bx.proto_hi = (uint8_t)(pe[p + 1] - 1);
			bx.port_lo = (uint16_t)qe[q];
			bx.port_hi = (uint16_t)(qe[q + 1] - 1);
			r = rbox_add(&o, &bx);
		}
		/* the same port ranges as the row above, adjacent protocols: one row */
		if (r >= 0 && row > 0 && o.n - row > 0) {
			size_t w = o.n - row, prev = row;

			while (prev > 0 && o.v[prev - 1].proto_lo == o.v[row - 1].proto_lo)
				prev--;
			if (row - prev == w && o.v[row - 1].proto_hi + 1u == pe[p]) {
				bool same = true;

				for (size_t k = 0; k < w && same; k++)
					same = o.v[prev + k].port_lo == o.v[row + k].port_lo &&
					       o.v[prev + k].port_hi == o.v[row + k].port_hi;
				if (same) {
					for (size_t k = 0; k < w; k++)
						o.v[prev + k].proto_hi = (uint8_t)(pe[p + 1] - 1);
					o.n = row;
				}
			}
		}
	}
out:
	free(v);
	free(pe);
	free(qe);
	if (r < 0) {
		free(o.v);
		return r;
	}
	*out = o;
	return 0;
}

int rbox_union(const struct nf_boxset *a, const struct nf_boxset *b, struct nf_boxset *out)
{
	return grid(a, b, false, out);
}

int rbox_diff(const struct nf_boxset *a, const struct nf_boxset *b, struct nf_boxset *out)
{
	return grid(a, b, true, out);
}

bool rbox_equal(const struct nf_boxset *a, const struct nf_boxset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].proto_lo != b->v[i].proto_lo || a->v[i].proto_hi != b->v[i].proto_hi ||
		    a->v[i].port_lo != b->v[i].port_lo || a->v[i].port_hi != b->v[i].port_hi)
			return false;
	return true;
}
