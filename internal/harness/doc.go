// Package harness holds the differential test over testdata/harness: BPF C
// programs written the way libbpf users write them, each run through the
// gbpf command with the interpreter, the JIT and the Linux kernel, requiring
// the same exit status, return value, packet, context and maps. (The
// programs live under testdata, which the go command's ./... skips; the
// test lives here so that go test ./... runs it.)
package harness
