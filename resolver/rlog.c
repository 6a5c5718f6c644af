/* netfence-resolver: its log (rlog.h). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "rlog.h"

static int log_fd = -1;
static bool log_stderr, log_syslog;

void rlog_open(const char *path, bool foreground)
{
	log_stderr = foreground;
	if (path)
		log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (log_fd < 0 && !foreground) {
		openlog("netfence-resolver", LOG_PID, LOG_DAEMON);
		log_syslog = true;
	}
}

void rlog(const char *fmt, ...)
{
	char line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03ldZ ", ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (log_fd >= 0 && write(log_fd, line, (size_t)n) < 0) {
		/* a full disk must not stop name resolution */
	}
	if (log_syslog)
		syslog(LOG_INFO, "%.*s", n - 1, line + 25);
	if (log_stderr && write(STDERR_FILENO, line, (size_t)n) < 0) {
	}
}

void rlog_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	if (log_syslog)
		closelog();
}
