/* netfence: kernel-bound steps of a set-up or tear-down run side by side (fence.c,
 * teardown.c). */
#ifndef NF_JOB_H
#define NF_JOB_H

#include <pthread.h>
#include <stdbool.h>

#include "error.h"

struct journal;
struct nft_fence;

/* Kernel-bound steps run side by side: each in a thread of its own, or inline should
 * pthread_create fail. Only the calling thread ever enters a container's namespace. */
struct job {
	int (*fn)(struct job *);
	const struct nft_fence *f;
	const struct journal *j;
	bool ipv6;
	struct nf_error err;
	int r;
	bool threaded;
	pthread_t th;
};

/* Run fn(jb) in a thread of its own, or inline should pthread_create fail. */
void job_start(struct job *jb, int (*fn)(struct job *));
/* Wait for a started job; its failure becomes *r (with *err) unless *r is one already. */
void job_wait(struct job *jb, int *r, struct nf_error *err);

#endif
