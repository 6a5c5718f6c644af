/* A pod's pause (sandbox) process for tests/e2e/cri.bats, packed into a locally built image by
 * tests/cri/images.sh: holds the pod's namespaces open, reaps whatever is reparented to it and
 * exits on SIGINT or SIGTERM, as the Kubernetes pause image does. Built with -static. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_term(int sig)
{
	_exit(0);
}

static void on_child(int sig)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct sigaction term = { .sa_handler = on_term };
	struct sigaction child = { .sa_handler = on_child, .sa_flags = SA_NOCLDSTOP };

	if (sigaction(SIGINT, &term, NULL) || sigaction(SIGTERM, &term, NULL) ||
	    sigaction(SIGCHLD, &child, NULL))
		return 2;
	for (;;)
		pause();
}
