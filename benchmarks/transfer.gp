# vw-bench-transfer: GB/s across sizes. Called by benchmarks/plot.sh with
#   datafile  per size: bytes bus_up textbook_up engine_up staged_up bus_down textbook_down
#             engine_down staged_down memcpy
#   outfile, device, source, cpu (1 on a CPU device: no bus rows, no DMA line)
set terminal svg size 1000,500 dynamic enhanced font 'Helvetica,12' background rgb 'white'
set output outfile
set multiplot layout 1,2 title sprintf("{/:Bold Pageable host memory ↔ device-local buffer, end to end} — %s  (%s)", device, source) font ',13'
set logscale x 2
set xtics ("4 KiB" 4096, "64 KiB" 65536, "1 MiB" 1048576, "16 MiB" 16777216, "256 MiB" 268435456, "1 GiB" 1073741824)
set xrange [2800:1.6e9]
set grid ytics lc rgb '#dddddd'
set key below box samplen 2 font ',10' maxrows 3
set datafile missing NaN
set ylabel 'GB/s (10^9 B/s), median'
if (cpu) { set yrange [0:*] } else { set yrange [0:60] }
dma = 50.0   # PCIe Gen5 x16 DMA copy on the H100 machine, GPU timestamps (GPU.md)

do for [direction=1:2] {
    if (direction == 1) { set title 'Upload'; e = 4; s = 5; t = 3; b = 2 } else { set title 'Readback'; e = 8; s = 9; t = 7; b = 6 }
    if (cpu) {
        plot datafile using 1:e with linespoints lw 3 pt 7 lc rgb '#1f77b4' title 'vw::Transfer (default: direct on this device)', \
             ''       using 1:s with linespoints lw 2 pt 5 lc rgb '#17becf' title 'vw::Transfer, direct\_access = false', \
             ''       using 1:t with linespoints lw 2 pt 6 dt 2 lc rgb '#ff7f0e' title 'textbook: memcpy + copy + wait', \
             ''       using 1:10 with linespoints lw 2 pt 4 dt 3 lc rgb '#2ca02c' title 'baseline: 1-thread memcpy'
    } else {
        plot datafile using 1:e with linespoints lw 3 pt 7 lc rgb '#1f77b4' title 'vw::Transfer', \
             ''       using 1:t with linespoints lw 2 pt 6 dt 2 lc rgb '#ff7f0e' title 'textbook: memcpy + copy + wait', \
             ''       using 1:b with linespoints lw 2 pt 4 dt 3 lc rgb '#2ca02c' title 'bus: one copy from pinned memory (GPU timestamps)', \
             dma with lines lw 2 dt 2 lc rgb '#d62728' title 'PCIe Gen5 x16 DMA copy, about 50 GB/s (GPU.md)'
    }
}
unset multiplot
