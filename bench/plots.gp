# gnuplot script of `make bench` (bench/run.sh runs it inside $NFB_OUT): one PNG per data file
# the benchmarks wrote. Columns are described at the top of each bench script.
set terminal pngcairo size 900,560 font ",11"
set grid
set key top left
have(f) = system("test -s " . f . " && echo 1 || echo 0") eq "1"

if (have("peers.dat")) {
	set output "peers.png"
	set title "One container's network: set-up and tear-down (median ms, lower is better)"
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set ylabel "ms"
	set xtics nomirror
	set key top left
	plot "peers.dat" using 2:xtic(1) title "netfence (tear-down: the hook returns)", \
	     "" using 6 title "netfence (tear-down: until all is gone)", \
	     "" using 5 title "netfence, teardown: wait", \
	     "" using 3 title "netavark", \
	     "" using 4 title "CNI bridge+host-local+firewall"
	unset output
}

if (have("policy-size.dat")) {
	reset; set grid; set key top left
	set output "policy-size.png"
	set title "Set-up time against policy size (median, min-max bars)"
	set logscale xy
	set xlabel "CIDR rules"
	set ylabel "ms"
	set xrange [5:200000]
	plot "policy-size.dat" using 1:2:3:4 with yerrorlines lw 2 title "netfence hook set-up", \
	     "" using 1:5:6:7 with yerrorlines lw 2 title "nft -f of the same tables"
	unset logscale
	unset xrange
	unset output
}

if (have("connrate-rules.dat") && have("connrate-containers.dat")) {
	reset; set grid
	set output "connrate.png"
	set multiplot layout 1,2 title "New TCP connections per second (median, min-max bars; higher is better)"
	set title "against rule count"
	set xlabel "rules (0 = no netfence)"
	set ylabel "connections/s"
	set yrange [0:*]
	set xrange [-0.5:*]
	set style fill solid 0.7 border -1
	set boxwidth 0.6
	plot "connrate-rules.dat" using 0:2:xtic(1) with boxes notitle, \
	     "" using 0:2:3:4 with yerrorbars lc rgb "black" notitle
	set title "against containers loaded"
	set xlabel "containers set up"
	plot "connrate-containers.dat" using 0:2:xtic(1) with boxes notitle, \
	     "" using 0:2:3:4 with yerrorbars lc rgb "black" notitle
	unset multiplot
	unset yrange
	unset xrange
	unset output
}

if (have("scale.dat")) {
	reset; set grid; set key below
	set xrange [0.8:1300]
	set output "scale.png"
	set title "One container's set-up and tear-down against containers already set up\n(median, min-max bars; solid: this build, dashed: NF\\_BASE\\_BIN when measured)"
	set xlabel "containers set up"
	set ylabel "ms"
	set yrange [0:*]
	set logscale x
	if (have("scale-base.dat")) {
		set key maxrows 3
		plot "scale.dat" using 1:2:3:4 with yerrorlines lw 2 lc 1 title "set-up", \
		     "" using 1:5:6:7 with yerrorlines lw 2 lc 2 title "tear-down (hook returns)", \
		     "" using 1:8 with linespoints lw 2 lc 3 title "tear-down (all gone)", \
		     "scale-base.dat" using 1:2:3:4 with yerrorlines lw 2 lc 1 dt 2 title "set-up (base)", \
		     "" using 1:5:6:7 with yerrorlines lw 2 lc 2 dt 2 title "tear-down, hook returns (base)", \
		     "" using 1:8 with linespoints lw 2 lc 3 dt 2 title "tear-down, all gone (base)"
	} else {
		plot "scale.dat" using 1:2:3:4 with yerrorlines lw 2 lc 1 title "set-up", \
		     "" using 1:5:6:7 with yerrorlines lw 2 lc 2 title "tear-down (hook returns)", \
		     "" using 1:8 with linespoints lw 2 lc 3 title "tear-down (all gone, background part done)"
	}
	unset logscale
	unset xrange
	unset output
}

# bench/scale.sh c: connection rate through one container with 1 and with the most containers
# set up; columns: containers, then median min max per build (new, then base when measured).
if (have("connrate-scale.dat")) {
	reset; set grid ytics
	set output "connrate-scale.png"
	set title "New TCP connections per second through one container\nagainst containers in the host table (median, min-max bars; higher is better)"
	set style data histograms
	set style histogram errorbars gap 1 lw 1
	set style fill solid 0.7 border -1
	set xlabel "containers set up"
	set ylabel "connections/s"
	set yrange [0:*]
	set key below
	ncol = int(system("awk '!/^#/ {print NF; exit}' connrate-scale.dat"))
	if (ncol >= 7) {
		plot "connrate-scale.dat" using 2:3:4:xtic(1) title "this build", \
		     "" using 5:6:7 title "base (NF\\_BASE\\_BIN)"
	} else {
		plot "connrate-scale.dat" using 2:3:4:xtic(1) title "this build"
	}
	unset output
}

# bench/scale.sh d: kernel memory of the host table per container; columns: build containers
# table_kib kib_per_container.
if (have("hosttable-kmem.dat")) {
	reset; set grid ytics
	set output "hosttable-kmem.png"
	set title "Kernel memory of the host table per container (slab + vmalloc, KiB)"
	set style fill solid 0.7 border -1
	set boxwidth 0.5
	set ylabel "KiB per container"
	stats "hosttable-kmem.dat" using 4 nooutput
	set yrange [(STATS_min < 0 ? 1.2 * STATS_min : 0):(STATS_max > 0 ? 1.2 * STATS_max : 1)]
	set xrange [-0.6:STATS_records - 0.4]
	plot "hosttable-kmem.dat" using 0:4:xtic(sprintf("%s, %d containers", stringcolumn(1), $2)) \
	     with boxes notitle, \
	     "" using 0:4:(sprintf("%.1f", $4)) with labels offset 0,1 notitle
	unset output
}
