# vw-bench-alloc: allocate + free per buffer. Called by benchmarks/plot.sh with
#   datafile  lines "kind size wrapper_ns raw_ns ratio" (kind device-local or staging) and
#             "naive size ns" (one vkAllocateMemory per buffer)
#   ratiofiles "path title path title ..." : every alloc run of the machine, same format
#   outfile, device, source
set terminal svg size 1000,500 dynamic enhanced font 'Helvetica,12' background rgb 'white'
set output outfile
set multiplot layout 1,2 title sprintf("{/:Bold Allocate + free of one buffer} — %s  (%s)", device, source) font ',13'

set logscale x 2
set xtics ("256 B" 256, "4 KiB" 4096, "64 KiB" 65536, "1 MiB" 1048576)
set xrange [160:1700000]
set grid ytics lc rgb '#dddddd'
set key below box samplen 2 font ',10' maxrows 3
set datafile missing NaN

set title 'Time per buffer (log scale; lower is better)'
set logscale y 10
set ylabel 'ns per allocate + free'
set format y '%g'
is(kind, value) = (strcol(1) eq kind ? value : NaN)
plot datafile using 2:(is('device-local', $3)) with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'wrapper, device-local', \
     ''       using 2:(is('device-local', $4)) with linespoints lw 2 pt 6 dt 2 lc rgb '#1f77b4' title 'raw VMA, device-local', \
     ''       using 2:(is('staging', $3)) with linespoints lw 2 pt 5 lc rgb '#ff7f0e' title 'wrapper, staging', \
     ''       using 2:(is('staging', $4)) with linespoints lw 2 pt 4 dt 2 lc rgb '#ff7f0e' title 'raw VMA, staging', \
     ''       using 2:(is('naive', $3)) with points pt 9 ps 1.5 lc rgb '#d62728' title 'one vkAllocateMemory per buffer'

set title 'Wrapper / raw VMA, paired in one loop (target ≤ 1.15)'
unset logscale y
set ylabel 'ratio (median of 5 repetitions)'
set yrange [0.9:1.3]
set format y '%.2f'
n = words(ratiofiles) / 2
colors = "#1f77b4 #ff7f0e #2ca02c #9467bd #8c564b #e377c2"
plot for [i=1:n] word(ratiofiles, 2*i-1) using 2:(is('device-local', $5)) with linespoints lw 2 pt 7 lc rgb word(colors, i) \
         title sprintf('device-local, %s', word(ratiofiles, 2*i)), \
     for [i=1:n] word(ratiofiles, 2*i-1) using 2:(is('staging', $5)) with linespoints lw 2 pt 5 dt 3 lc rgb word(colors, i) \
         title sprintf('staging, %s', word(ratiofiles, 2*i)), \
     1.15 with lines lw 2 dt 2 lc rgb '#d62728' title 'target 1.15', \
     1.0 with lines lw 1 lc rgb '#555555' notitle
unset multiplot
