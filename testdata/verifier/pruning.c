//go:build ignore

/* Pruning: a bounded loop whose iterations fork on every byte (a state
 * machine over packet bytes) verifies only because states are pruned as
 * the kernel prunes them: at the loop's exits, registers that are dead
 * before the helper call that follows do not count (the helper's
 * prototype says which registers it reads), and in the loop, states of
 * iterations still being explored that keep missing are forgotten, so
 * that the paths coming back save states again. The twin scans so many
 * bytes that even the kernel runs out of its 1M instruction budget. */
#include "twins.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} rtsp_verbs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} rtsp_seen SEC(".maps");

/* The states of the header matcher: after a line feed, "CSeq:" letter
 * by letter. */
enum { L_MID, L_START, L_C, L_CS, L_CSE, L_CSEQ };

/* Looks at an RTSP request over UDP (port 554): the verb of the request
 * line, then, over the first limit bytes, the CSeq header, whose value it
 * hashes (case-insensitively, blanks after the colon skipped). Counts
 * the verb in rtsp_verbs and sends back requests whose CSeq hash was
 * already seen. */
static __always_inline int scan_rtsp(struct xdp_md *ctx, const int limit)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	unsigned char *p;
	__u32 verb, line = L_MID, cseq = 0, key;
	int in_val = 0, i;
	__u64 *cnt;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(554))
		return XDP_PASS;
	p = (void *)(udp + 1);
	if ((void *)(p + 12) > end)
		return XDP_PASS;
	if (p[0] == 'P' && p[1] == 'L' && p[2] == 'A' && p[3] == 'Y')
		verb = 1;
	else if (p[0] == 'S' && p[1] == 'E' && p[2] == 'T' && p[3] == 'U')
		verb = 2;
	else if (p[0] == 'O' && p[1] == 'P' && p[2] == 'T' && p[3] == 'I')
		verb = 3;
	else
		return XDP_PASS;

	for (i = 0; i < limit; i++) {
		char c;

		if ((void *)(p + i + 1) > end)
			break;
		c = p[i];
		if (in_val) {
			if (c == '\r' || c == '\n')
				break;
			if (c == ' ' && in_val == 1)
				continue;
			in_val = 2;
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			cseq = (cseq ^ c) * 16777619u;
			continue;
		}
		switch (line) {
		case L_MID:
			line = c == '\n';
			break;
		case L_START:
			line = (c == 'C' || c == 'c') ? L_C : c == '\n';
			break;
		case L_C:
			line = (c == 'S' || c == 's') ? L_CS : c == '\n';
			break;
		case L_CS:
			line = (c == 'e' || c == 'E') ? L_CSE : c == '\n';
			break;
		case L_CSE:
			line = (c == 'q' || c == 'Q') ? L_CSEQ : c == '\n';
			break;
		case L_CSEQ:
			in_val = c == ':';
			line = c == '\n';
			break;
		}
	}

	key = verb;
	cnt = bpf_map_lookup_elem(&rtsp_verbs, &key);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	if (in_val == 2 && bpf_map_lookup_elem(&rtsp_seen, &cseq))
		return XDP_TX;
	return XDP_PASS;
}

SEC("xdp")
int ok_prune_scan(struct xdp_md *ctx)
{
	return scan_rtsp(ctx, 512);
}

SEC("xdp")
int bad_prune_scan(struct xdp_md *ctx)
{
	return scan_rtsp(ctx, 1500);
}
