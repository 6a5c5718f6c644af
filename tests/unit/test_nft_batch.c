/* netfence: tests of the nftables transport (nft_batch.c) against the real kernel, in a scratch
 * network namespace (root required; skipped otherwise). The host socket is reused by every
 * request of the process: after a batch or a query stops at an error, the next request on it
 * must read its own reply, not what the failed one left. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "nft_int.h"

/* Nothing is left to read on the socket. */
static void assert_empty(struct mnl_socket *nl)
{
	char buf[256];

	assert_int_equal(recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void make_table(struct mnl_socket *nl)
{
	struct nf_error err = { 0 };
	struct batch b;

	batch_start(&b);
	add_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	batch_finish(&b);
	assert_int_equal(batch_send(nl, &b, &err), 0);
	batch_free(&b);
}

/* An early message fails: the whole batch is refused, the error names that message, and every
 * ack of the batch has been read before batch_send returns. */
static void test_batch_error_drained(void **state)
{
	struct mnl_socket *nl = NULL;
	struct nf_error err = { 0 };
	struct batch b;
	bool exists = true;

	(void)state;
	assert_int_equal(nl_host(&nl, &err), 0);
	batch_start(&b);
	add_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	del_named(&b, NFT_MSG_DELCHAIN, "nf_absent");
	for (int i = 0; i < 20; i++) {
		char name[32];

		snprintf(name, sizeof(name), "nf_chain%d", i);
		add_chain(&b, name, -1, 0, NULL, 0);
	}
	batch_finish(&b);
	assert_int_equal(batch_send(nl, &b, &err), -ENOENT);
	batch_free(&b);
	assert_non_null(strstr(err.msg, "deleting chain nf_absent"));
	assert_empty(nl);

	/* the next request on the same socket gets its own answer: the batch made nothing */
	assert_int_equal(table_exists(nl, &exists, &err), 0);
	assert_false(exists);
	make_table(nl);
	assert_int_equal(table_exists(nl, &exists, &err), 0);
	assert_true(exists);
	assert_empty(nl);
}

/* A query whose first request fails stops there with the other answers still queued; the next
 * request on the host socket (a dump, which refuses replies of another sequence) must not see
 * them. */
static void test_query_error_drained(void **state)
{
	struct query q = { .seq0 = nl_seq_take(NL_SEQ_QUERY), .family = NFPROTO_INET };
	struct mnl_socket *nl = NULL;
	struct nf_error err = { 0 };
	bool found[9];
	char **names = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(nl_host(&nl, &err), 0);
	make_table(nl);
	/* a chain request without a name: EINVAL, not ENOENT */
	assert_int_equal(query_named(&q, NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME, NULL),
			 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(query_named(&q, NFT_MSG_GETTABLE, NFTA_TABLE_NAME, 0, NULL), 0);
	assert_int_equal(query_run(nl, &q, found, &err), -EINVAL);
	free(q.buf);

	assert_int_equal(nl_host(&nl, &err), 0);
	assert_empty(nl);
	assert_int_equal(nft_foreign_forward_drop(&names, &n, &err), 0);
	assert_int_equal(n, 0);
	free(names);
}

static void skip_test(void **state)
{
	(void)state;
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_error_drained),
		cmocka_unit_test(test_query_error_drained),
	};

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		const struct CMUnitTest skipped[] = {
			cmocka_unit_test(skip_test),
			cmocka_unit_test(skip_test),
		};

		fprintf(stderr, "test_nft_batch: kernel tests need root (a scratch network "
				"namespace): reported skipped\n");
		return cmocka_run_group_tests(skipped, NULL, NULL);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
