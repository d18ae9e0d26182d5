#!/bin/sh
# Rebuild one or all objects: ./build.sh [name...]
cd "$(dirname "$0")"
[ $# -eq 0 ] && set -- $(ls *.c | sed 's/\.c$//')
for f; do
	cpu=v3
	case $f in *_v4) cpu=v4;; esac
	clang-19 -target bpf -O2 -g -mcpu=$cpu -I/usr/include/x86_64-linux-gnu -c $f.c -o $f.o || echo "FAIL $f"
done
