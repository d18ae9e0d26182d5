#!/bin/sh
# Measures programs the way an outside harness does: `gbpf run --repeat N
# --engine jit --json` beside `--engine kernel`, each a separate process,
# alternating the engines for ROUNDS rounds, and prints each program's
# median ns per run, the ratio and the geometric mean of the ratios. The
# kernel engine needs root (CAP_BPF); maps start empty, as `gbpf run`
# defines.
#
#   scripts/bench-cli.sh OBJECT PACKET PROG...
#   scripts/bench-cli.sh testdata/bench/helpers.o testdata/bench/udp.bin loop_cb count_proto
#
# Environment: REPEAT (runs per process, default 100000), ROUNDS (default
# 5), GBPF (the gbpf binary; built from this checkout when unset).
set -eu
obj=$1 pkt=$2
shift 2
repeat=${REPEAT:-100000}
rounds=${ROUNDS:-5}
if [ -z "${GBPF:-}" ]; then
	GBPF=$(mktemp -d)/gbpf
	go build -o "$GBPF" "$(dirname "$0")/../cmd/gbpf"
fi

ns() { # engine prog: the duration_ns one run reports
	"$GBPF" run "$obj" --prog "$2" --data "$pkt" --repeat "$repeat" --engine "$1" --json |
		sed -n 's/.*"duration_ns": *\([0-9]*\).*/\1/p'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

printf '| program | jit ns/run | kernel ns/run | jit/kernel |\n|---|---|---|---|\n'
logsum=0 n=0
for prog in "$@"; do
	j='' k=''
	i=0
	while [ $i -lt "$rounds" ]; do
		j="$j $(ns jit "$prog")"
		k="$k $(ns kernel "$prog")"
		i=$((i + 1))
	done
	jm=$(echo "$j" | median) km=$(echo "$k" | median)
	ratio=$(awk -v a="$jm" -v b="$km" 'BEGIN {printf "%.2f", a / b}')
	logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN {print s + log(r)}')
	n=$((n + 1))
	printf '| %s | %s | %s | %s |\n' "$prog" "$jm" "$km" "$ratio"
done
awk -v s="$logsum" -v n="$n" 'BEGIN {printf "| geometric mean | | | %.2f |\n", exp(s / n)}'
