/* netfence: the command-line verbs, one file each; main.c dispatches argv to them.
 * Each returns the process exit status (SPEC section 2: 0, 1 bad input, 2 system failure). */
#ifndef NF_CMD_H
#define NF_CMD_H

int cmd_hook(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_seccomp_profile(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_resolver(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_setup_runtime(int argc, char **argv);
/* `netfence hook precreate` (podman): config.json on stdin, the edited config.json on stdout. */
int cmd_hook_precreate(void);

/* Print "netfence: <who>: <msg>" on stderr and return the exit status for err's kind. */
struct nf_error;
int cmd_fail(const char *who, const struct nf_error *err);

#endif
