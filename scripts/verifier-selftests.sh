#!/usr/bin/env bash
# Builds the Linux kernel's BPF verifier selftests (progs/verifier_*.c of
# tools/testing/selftests/bpf) into BPF objects, for
# internal/verifier/selftests_test.go (TestKernelSelftests).
#
# The sources are data from Debian's linux-source package: they are unpacked
# into the work directory and never copied into the repository.
#
#   scripts/verifier-selftests.sh            # build into /tmp/gbpf-selftests
#   GBPF_SELFTESTS_DIR=/some/dir scripts/verifier-selftests.sh
#   GBPF_SELFTESTS=$dir/obj go test ./internal/verifier -run TestKernelSelftests -v
#
# Environment:
#   GBPF_SELFTESTS_DIR  work directory (default /tmp/gbpf-selftests); the
#                       objects go to $GBPF_SELFTESTS_DIR/obj, which is where
#                       the test looks by default
#   LINUX_SOURCE        tarball of the kernel source
#                       (default /usr/src/linux-source-6.12.tar.xz)
#   CLANG               clang binary (default clang-19, else clang)
#   BPFTOOL             bpftool binary (default bpftool)
#   VMLINUX_BTF         BTF to generate vmlinux.h from
#                       (default /sys/kernel/btf/vmlinux)
#
# Needs: clang (with the BPF target), bpftool, python3, xz, and
# linux-source-6.12 (apt-get install -y clang-19 libbpf-dev bpftool
# linux-source-6.12). Sources that do not compile are listed with the
# compiler's first error in $GBPF_SELFTESTS_DIR/failed.txt; that is not an
# error of the script. Sources that fail only because -Werror turns a
# warning into an error are built again without it and listed in
# $GBPF_SELFTESTS_DIR/werror.txt.
set -euo pipefail

WORK=${GBPF_SELFTESTS_DIR:-/tmp/gbpf-selftests}
TARBALL=${LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
if [[ -z ${CLANG:-} ]]; then
	if command -v clang-19 >/dev/null; then CLANG=clang-19; else CLANG=clang; fi
fi
BPFTOOL=${BPFTOOL:-bpftool}
VMLINUX_BTF=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}

die() { echo "verifier-selftests: $*" >&2; exit 1; }
for tool in "$CLANG" "$BPFTOOL" python3 tar xz; do
	command -v "$tool" >/dev/null || die "$tool not found"
done

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
SRC=$WORK/src        # the unpacked part of the kernel tree
INC=$WORK/include    # what the selftests Makefile calls INCLUDE_DIR
OBJ=$WORK/obj
LOGS=$WORK/logs

# 1. Unpack the selftests and what they include (tools/lib/bpf for libbpf's
#    BPF-side headers, tools/include for the uapi headers, scripts/bpf_doc.py
#    to generate bpf_helper_defs.h), unless a previous run did.
SELFTESTS=$SRC/tools/testing/selftests/bpf
if [[ ! -f $SRC/.unpacked ]]; then
	[[ -f $TARBALL ]] || die "$TARBALL not found (apt-get install linux-source-6.12, or set LINUX_SOURCE)"
	# Debian's tarball holds one directory named like the file.
	top=$(basename "$TARBALL")
	top=${top%%.tar*}
	echo "unpacking $top/tools and scripts/bpf_doc.py from $TARBALL into $SRC"
	rm -rf "$SRC" "$WORK/unpack"
	mkdir -p "$WORK/unpack"
	tar -xJf "$TARBALL" -C "$WORK/unpack" \
		"$top/tools/testing/selftests/bpf" "$top/tools/lib" \
		"$top/tools/include" "$top/tools/arch/x86/include" \
		"$top/scripts/bpf_doc.py"
	mv "$WORK/unpack/$top" "$SRC"
	rmdir "$WORK/unpack"
	touch "$SRC/.unpacked"
fi
[[ -d $SELFTESTS/progs ]] || die "no selftests in $SRC"

# 2. The include directory the Makefile builds: libbpf's headers under bpf/
#    (with the generated bpf_helper_defs.h) and vmlinux.h from the running
#    kernel's BTF.
mkdir -p "$INC/bpf" "$OBJ" "$LOGS"
cp "$SRC"/tools/lib/bpf/*.h "$INC/bpf/"
python3 "$SRC/scripts/bpf_doc.py" --header \
	--file "$SRC/tools/include/uapi/linux/bpf.h" >"$INC/bpf/bpf_helper_defs.h"
[[ -r $VMLINUX_BTF ]] || die "$VMLINUX_BTF not readable (kernel without BTF?)"
"$BPFTOOL" btf dump file "$VMLINUX_BTF" format c >"$INC/vmlinux.h"

# 3. Compile every progs/verifier_*.c as the Makefile's test_progs flavour
#    does: BPF_CFLAGS + CLANG_CFLAGS (clang's host system include dirs as
#    -idirafter) + -DENABLE_ATOMICS_TESTS, then -O2 --target=bpf -mcpu=v3.
sys_includes=()
while read -r dir; do
	sys_includes+=(-idirafter "$dir")
done < <("$CLANG" -v -E - </dev/null 2>&1 |
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|\1|p }')
# Debian keeps asm/ under the multiarch directory.
[[ -d /usr/include/x86_64-linux-gnu ]] && sys_includes+=(-idirafter /usr/include/x86_64-linux-gnu)

cflags=(-g -Wall -Werror -D__TARGET_ARCH_x86 -mlittle-endian
	-I"$INC" -I"$SELFTESTS" -I"$SRC/tools/include/uapi"
	-Wno-compare-distinct-pointer-types
	"${sys_includes[@]}" -DENABLE_ATOMICS_TESTS)

rm -f "$OBJ"/*.o "$LOGS"/*.log
: >"$WORK/failed.txt"
: >"$WORK/werror.txt"
ok=0 failed=0
for c in "$SELFTESTS"/progs/verifier_*.c; do
	name=$(basename "$c" .c)
	extra=()
	# Per-file flags of the Makefile (progs/<file>.c-CFLAGS).
	case $name in
	verifier_nocsr) extra=(-fno-strict-aliasing) ;;
	esac
	if "$CLANG" "${cflags[@]}" "${extra[@]}" -O2 --target=bpf -c "$c" -mcpu=v3 \
		-o "$OBJ/$name.bpf.o" 2>"$LOGS/$name.log"; then
		ok=$((ok + 1))
	elif ! grep -q 'error:' <(grep -v -- '-Werror' "$LOGS/$name.log") &&
		"$CLANG" "${cflags[@]}" "${extra[@]}" -Wno-error -O2 --target=bpf -c "$c" -mcpu=v3 \
			-o "$OBJ/$name.bpf.o" 2>/dev/null; then
		# Only warnings made errors by -Werror, typically because vmlinux.h
		# comes from a newer kernel than the sources (a const added to a
		# kfunc's parameter): keep the object, and say so.
		ok=$((ok + 1))
		reason=$(grep -m1 -E 'error:' "$LOGS/$name.log" | sed "s|$SRC/||")
		echo "$name: built with -Wno-error: $reason" | tee -a "$WORK/werror.txt"
	else
		failed=$((failed + 1))
		rm -f "$OBJ/$name.bpf.o"
		reason=$(grep -m1 -E 'error:' "$LOGS/$name.log" | sed "s|$SRC/||" || true)
		echo "$name: ${reason:-see $LOGS/$name.log}" | tee -a "$WORK/failed.txt"
	fi
done

# Objects that tests name with __btf_path("X.bpf.o") (BTF to apply CO-RE
# relocations against instead of the kernel's), from progs/X.c.
for btfobj in $(grep -ho '__btf_path("[^"]*")' "$SELFTESTS"/progs/verifier_*.c | sed 's/__btf_path("\(.*\)")/\1/' | sort -u); do
	name=${btfobj%.bpf.o}
	if ! "$CLANG" "${cflags[@]}" -O2 --target=bpf -c "$SELFTESTS/progs/$name.c" -mcpu=v3 \
		-o "$OBJ/$btfobj" 2>"$LOGS/$name.log"; then
		rm -f "$OBJ/$btfobj"
		echo "$name (for __btf_path): $(grep -m1 -E 'error:' "$LOGS/$name.log" | sed "s|$SRC/||")" | tee -a "$WORK/failed.txt"
	fi
done

echo "compiled $ok of $((ok + failed)) verifier_*.c into $OBJ ($failed failed, listed in $WORK/failed.txt;" \
	"$(wc -l <"$WORK/werror.txt") only without -Werror, listed in $WORK/werror.txt)"
echo "run: GBPF_SELFTESTS=$OBJ go test ./internal/verifier -run TestKernelSelftests -v"
