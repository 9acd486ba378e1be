# The TransferOptions sweep of benchmarks/run-gpu.sh. Called by benchmarks/plot.sh with
#   datafile  per configuration: chunk_MiB slots threads up down staged_up staged_down (GB/s at
#             the sweep's first size; staged_*: direct_access = false)
#   outfile, device, source, size (the size measured), cpu (1: plot the staged columns, since
#   the default engine does not stage on a CPU device), missing (1: no sweep yet; says so)
set terminal svg size 1000,500 dynamic enhanced font 'Helvetica,12' background rgb 'white'
set output outfile
if (missing) {
    set multiplot title sprintf("{/:Bold TransferOptions: staging slot size and copy threads} — %s", device) font ',13'
    unset border; unset tics; unset key
    set xrange [0:1]; set yrange [0:1]
    set label 1 "No sweep measured yet: run benchmarks/run-gpu.sh on the GPU machine," at 0.5,0.58 center font ',14'
    set label 2 "then benchmarks/plot.sh (it writes <date>-h100-transfer-knobs.txt)." at 0.5,0.45 center font ',14'
    plot NaN notitle
    unset multiplot
    exit
}
set multiplot layout 1,2 title sprintf("{/:Bold TransferOptions: staging slot size and copy threads, %s} — %s  (%s)", size, device, source) font ',13'
set grid ytics lc rgb '#dddddd'
set key bottom right box opaque samplen 2 font ',10'
set datafile missing NaN
set ylabel 'upload GB/s, median'
upcol = cpu ? 6 : 4
downcol = cpu ? 7 : 5
set yrange [0:*]
set offsets graph 0.05, graph 0.05, 0, 0
set logscale x 2
set xlabel 'staging slot (chunk\_bytes), MiB; 4 slots'
set xtics (4, 8, 16, 32, 64, 128)
set title 'Upload, by slot size'
threads_list = system("awk '$2 == 4 {print $3}' " . datafile . " | sort -n -u | tr '\\n' ' '")
colors = "#9467bd #ff7f0e #2ca02c #1f77b4 #d62728"
plot for [i=1:words(threads_list)] datafile using ($2 == 4 && $3 == word(threads_list, i) + 0 ? $1 : NaN):upcol \
         with linespoints lw 2 pt 7 lc rgb word(colors, i) title sprintf('%s copy threads', word(threads_list, i))
maxthreads = system("awk '{print $3}' " . datafile . " | sort -n | tail -n 1") + 0
slotchunk = system("awk '$2 != 4 {print $1}' " . datafile . " | head -n 1")
if (slotchunk eq '') { slotchunk = '32' }
set title sprintf('Upload and readback, by staging slots (%s MiB slots, %d threads)', slotchunk, maxthreads)
set xlabel 'staging\_slots'
set ylabel 'GB/s, median'
unset logscale x
set xtics 1
plot datafile using ($1 == slotchunk + 0 && $3 == maxthreads ? $2 : NaN):upcol with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'upload', \
     ''       using ($1 == slotchunk + 0 && $3 == maxthreads ? $2 : NaN):downcol with linespoints lw 2 pt 5 lc rgb '#2ca02c' title 'readback'
unset multiplot
