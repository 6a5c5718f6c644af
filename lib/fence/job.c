/* netfence: jobs run side by side (see job.h). */
#include "job.h"

#include <stddef.h>

static void *job_main(void *p)
{
	struct job *jb = p;

	jb->r = jb->fn(jb);
	return NULL;
}

void job_start(struct job *jb, int (*fn)(struct job *))
{
	jb->fn = fn;
	jb->threaded = pthread_create(&jb->th, NULL, job_main, jb) == 0;
	if (!jb->threaded)
		job_main(jb);
}

void job_wait(struct job *jb, int *r, struct nf_error *err)
{
	if (!jb->fn)
		return;
	if (jb->threaded)
		pthread_join(jb->th, NULL);
	jb->fn = NULL;
	if (jb->r < 0 && *r >= 0) {
		*r = jb->r;
		if (err)
			*err = jb->err;
	}
}
