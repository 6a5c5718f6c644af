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

/* The kernel's object NAME of TYPE in the table, parsed; NULL when it has none. */
static struct nftnl_obj *get_obj(uint32_t type, const char *name)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_obj *o = nftnl_obj_alloc(), *got = NULL;
	struct nlmsghdr *nlh;

	assert_true(nl && o && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NF_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, type);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_ACK, 1);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	assert_true(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0);
	assert_true(mnl_socket_recvfrom(nl, buf, sizeof(buf)) > 0);
	if (nlh->nlmsg_type != NLMSG_ERROR) {
		got = nftnl_obj_alloc();
		assert_true(got && nftnl_obj_nlmsg_parse(nlh, got) == 0);
	}
	mnl_socket_close(nl);
	return got;
}

/* The named objects: a limit and a quota with their own attributes on the shared header, made
 * once (a second add is refused, named in the error), deleted through add_obj. */
static void test_named_objects(void **state)
{
	struct mnl_socket *nl = NULL;
	struct nf_error err = { 0 };
	struct nftnl_obj *o;
	struct batch b;

	(void)state;
	assert_int_equal(nl_host(&nl, &err), 0);
	make_table(nl);
	batch_start(&b);
	add_limit_obj(&b, "rl_test", 600, 60, 600, true);
	add_limit_obj(&b, "logl_test", 20, 1, 20, false);
	add_quota_obj(&b, "qo_test", 5000000);
	add_counter_obj(&b, NFT_MSG_NEWOBJ, "be_test");
	batch_finish(&b);
	assert_int_equal(batch_send(nl, &b, &err), 0);
	batch_free(&b);

	o = get_obj(NFT_OBJECT_LIMIT, "rl_test");
	assert_non_null(o);
	assert_string_equal(nftnl_obj_get_str(o, NFTNL_OBJ_NAME), "rl_test");
	assert_int_equal(nftnl_obj_get_u64(o, NFTNL_OBJ_LIMIT_RATE), 600);
	assert_int_equal(nftnl_obj_get_u64(o, NFTNL_OBJ_LIMIT_UNIT), 60);
	assert_int_equal(nftnl_obj_get_u32(o, NFTNL_OBJ_LIMIT_BURST), 600);
	assert_int_equal(nftnl_obj_get_u32(o, NFTNL_OBJ_LIMIT_TYPE), NFT_LIMIT_PKTS);
	assert_int_equal(nftnl_obj_get_u32(o, NFTNL_OBJ_LIMIT_FLAGS), NFT_LIMIT_F_INV);
	nftnl_obj_free(o);
	o = get_obj(NFT_OBJECT_LIMIT, "logl_test");
	assert_non_null(o);
	assert_int_equal(nftnl_obj_get_u64(o, NFTNL_OBJ_LIMIT_RATE), 20);
	assert_int_equal(nftnl_obj_get_u64(o, NFTNL_OBJ_LIMIT_UNIT), 1);
	assert_int_equal(nftnl_obj_get_u32(o, NFTNL_OBJ_LIMIT_FLAGS), 0);
	nftnl_obj_free(o);
	o = get_obj(NFT_OBJECT_QUOTA, "qo_test");
	assert_non_null(o);
	assert_int_equal(nftnl_obj_get_u64(o, NFTNL_OBJ_QUOTA_BYTES), 5000000);
	assert_int_equal(nftnl_obj_get_u32(o, NFTNL_OBJ_QUOTA_FLAGS), NFT_QUOTA_F_INV);
	nftnl_obj_free(o);
	o = get_obj(NFT_OBJECT_COUNTER, "be_test");
	assert_non_null(o);
	nftnl_obj_free(o);
	assert_null(get_obj(NFT_OBJECT_QUOTA, "rl_test")); /* the type is part of the key */

	batch_start(&b);
	add_quota_obj(&b, "qo_test", 1);
	batch_finish(&b);
	assert_int_equal(batch_send(nl, &b, &err), -EEXIST);
	batch_free(&b);
	assert_non_null(strstr(err.msg, "quota qo_test (over 1 bytes)"));
	batch_start(&b);
	add_limit_obj(&b, "rl_test", 1, 1, 1, true);
	batch_finish(&b);
	assert_int_equal(batch_send(nl, &b, &err), -EEXIST);
	batch_free(&b);
	assert_non_null(strstr(err.msg, "limit rl_test (1/second)"));

	batch_start(&b);
	add_obj(&b, NFT_MSG_DELOBJ, 0, NFT_OBJECT_QUOTA, "qo_test", NULL, "deleting quota");
	add_obj(&b, NFT_MSG_DELOBJ, 0, NFT_OBJECT_LIMIT, "rl_test", NULL, "deleting limit");
	batch_finish(&b);
	assert_int_equal(batch_send(nl, &b, &err), 0);
	batch_free(&b);
	assert_null(get_obj(NFT_OBJECT_QUOTA, "qo_test"));
	assert_null(get_obj(NFT_OBJECT_LIMIT, "rl_test"));
	assert_empty(nl);
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
		cmocka_unit_test(test_named_objects),
	};

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		const struct CMUnitTest skipped[] = {
			cmocka_unit_test(skip_test),
			cmocka_unit_test(skip_test),
			cmocka_unit_test(skip_test),
		};

		fprintf(stderr, "test_nft_batch: kernel tests need root (a scratch network "
				"namespace): reported skipped\n");
		return cmocka_run_group_tests(skipped, NULL, NULL);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
