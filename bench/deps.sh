#!/usr/bin/env bash
# The packages `make bench` needs beyond the test suite's: the peers it is compared with
# (netavark, the CNI plugins; already in the test set), iperf3 and gnuplot; dnsperf and dnsmasq
# (bench/resolver.sh); linux-perf (bench/observe.sh times its clients with perf stat).
exec bash "$(dirname "$0")/../tests/deps.sh" iperf3 gnuplot-nox dnsperf dnsmasq-base linux-perf
