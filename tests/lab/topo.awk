# numactl -H text -> QEMU flags for the same NUMA layout, scaled to fit the lab.
#   awk -v mem=MIB -v cpn=N -f topo.awk TOPOLOGY.txt
# mem: MiB of the largest node (others keep their proportion, rounded to 128 MiB,
#      at least 256 MiB); cpn: vCPUs per node (at most the text's count; a node
#      without CPUs in the text stays without CPUs).  The SLIT is copied exactly.
# Prints one line: -smp N -m M -object ... -numa node,... -numa dist,...

/^node [0-9]+ cpus:/ {
	n = $2 + 0
	ids[n] = 1
	ncpu[n] = NF - 3
}
/^node [0-9]+ size:/ {
	n = $2 + 0
	ids[n] = 1
	size[n] = $4 + 0
	if (size[n] > maxsize) maxsize = size[n]
}
/^node distances:/ { indist = 1; next }
indist && /^node / {
	ncol = NF - 1
	for (i = 2; i <= NF; i++) col[i - 1] = $i + 0
	next
}
indist && /^ *[0-9]+:/ {
	src = $1; sub(":", "", src); src += 0
	for (i = 2; i <= NF; i++) dist[src, col[i - 1]] = $i + 0
	next
}

END {
	if (maxsize == 0) { print "topo.awk: no 'node N size:' lines" > "/dev/stderr"; exit 1 }
	if (mem == "") mem = 1024
	if (cpn == "") cpn = 1
	nn = 0
	for (n in ids) order[nn++] = n + 0
	# sort node ids (insertion sort; a few dozen at most)
	for (i = 1; i < nn; i++) {
		v = order[i]
		for (j = i - 1; j >= 0 && order[j] > v; j--) order[j + 1] = order[j]
		order[j + 1] = v
	}
	for (i = 0; i < nn; i++) if (order[i] != i) {
		print "topo.awk: QEMU needs node ids 0..N-1 without gaps" > "/dev/stderr"; exit 1
	}
	cpu = 0; total = 0; out = ""
	for (i = 0; i < nn; i++) {
		n = order[i]
		m = int(mem * size[n] / maxsize / 128 + 0.5) * 128
		if (m < 256) m = 256
		total += m
		c = ncpu[n] < cpn ? ncpu[n] : cpn
		spec = "node,nodeid=" n ",memdev=m" n
		if (c > 0) spec = spec ",cpus=" cpu (c > 1 ? "-" (cpu + c - 1) : "")
		cpu += c
		out = out " -object memory-backend-ram,id=m" n ",size=" m "M -numa " spec
	}
	for (i = 0; i < nn; i++)
		for (j = 0; j < nn; j++)
			if (i != j && ((order[i], order[j]) in dist))
				out = out " -numa dist,src=" order[i] ",dst=" order[j] ",val=" dist[order[i], order[j]]
	print "-smp " cpu " -m " total "M" out
}
