package testdata

// Rebuild the objects with `go generate ./testdata` (a ./testdata/...
// pattern matches nothing: the go command skips testdata directories in
// wildcards). Needs clang 19 and the libbpf headers (apt-get install
// clang-19 libbpf-dev).

//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c xdp_firewall.c -o xdp_firewall.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c maps_tour.c -o maps_tour.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c tailcall.c -o tailcall.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c ringbuf_perf.c -o ringbuf_perf.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c xdp_adjust.c -o xdp_adjust.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c tc_skb.c -o tc_skb.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c tracing.c -o tracing.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c legacy_maps.c -o legacy_maps.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c more_helpers.c -o more_helpers.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c skf_offsets.c -o skf_offsets.o
//go:generate clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c skb_extras.c -o skb_extras.o
