/* netfence: the host watcher. `internet` denies the host's own addresses and the networks it is
 * connected to; the watcher follows them over rtnetlink and rewrites the sets that hold them
 * (the host table's hostnet4/hostnet6 and their copies in overlay-mode namespaces). */
#ifndef NF_WATCH_H
#define NF_WATCH_H

#include <stddef.h>

#include "error.h"
#include "hostconf.h"

/* What the watcher keeps (each entry is commented in watch.c). */
extern const int caps_watch[];
extern const size_t caps_watch_n;

/* Make sure a watcher serves hc->state_dir. When one runs (it holds <state_dir>/.watch.lock)
 * this is one open and one flock. Else a detached child of this process becomes it and is
 * awaited until it listens. The caller holds the state lock (a watcher leaves only under it,
 * once no container is left), runs one thread, and has no descriptor it needs in the child
 * besides what it passes here. Returns 1 when it started one, 0 when one ran. */
int watch_ensure(const struct hostconf *hc, struct nf_error *err);

/* Read the host's addresses now and write them into the host table's hostnet sets (nothing
 * when the table does not exist). The caller holds the state lock. */
int watch_refresh_host(struct nf_error *err);

/* `netfence watch`: be the watcher of hc->state_dir in this process, waiting for one that runs
 * to leave first; returns only on failure. */
int watch_run(const struct hostconf *hc, struct nf_error *err);

#endif
