/* netfence-resolver: its log, one line per event: to the host key resolver_log (a file, appended)
 * when set, else syslog (LOG_DAEMON, "netfence-resolver"); also stderr in the foreground.
 * Lines: "<time> <container id> <event> ...", events named in netfence-resolver(8). */
#ifndef NF_RLOG_H
#define NF_RLOG_H

#include <stdbool.h>

void rlog_open(const char *path, bool foreground);
void rlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rlog_close(void);

#endif
