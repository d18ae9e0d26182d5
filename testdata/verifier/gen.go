// Package verifiertests holds the verifier twins: small BPF C programs,
// each rule as a safe ok_<topic> and a minimally broken bad_<topic> that
// the kernel rejects. internal/verifier's TestTwins runs them through
// gbpf's verifier and the running kernel.
package verifiertests

// Rebuild the objects with `go generate ./testdata/verifier` (a
// ./testdata/... pattern matches nothing). Needs clang 19 and the libbpf
// headers (apt-get install clang-19 libbpf-dev).

//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c cfg_regs.c -o cfg_regs.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c bounds.c -o bounds.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c bounds2.c -o bounds2.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c nullcheck.c -o nullcheck.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c packet.c -o packet.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c helpers.c -o helpers.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c ctx.c -o ctx.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c loops.c -o loops.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c calls.c -o calls.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c refs.c -o refs.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c retval.c -o retval.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c ptr.c -o ptr.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c stack.c -o stack.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c globals.c -o globals.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c license.c -o license.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c progtypes.c -o progtypes.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c pruning.c -o pruning.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c tlv.c -o tlv.o
