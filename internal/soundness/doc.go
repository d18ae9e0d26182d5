// Package soundness holds gbpf's verifier soundness fuzzer (test files
// only). Candidate programs, from mutations of the repository's compiled
// programs, of progen's random programs and from a small grammar of
// verifier features (map lookups, packet bounds, stack spills, pointer
// arithmetic, helper sizes), are verified by gbpf's verifier; every
// accepted one is run in the checked interpreter with random packets and
// map contents, and, where the running kernel can be used, loaded into it.
// A runtime safety error in an accepted program, or a kernel rejection of
// a program gbpf accepts, is a verifier bug.
//
// Bugs found are kept as cases under testdata/ (LLVM assembly with the
// program type, maps and global functions' BTF). TestRegressions requires
// every case to be rejected by the verifier, except the ones knownUnsound
// lists, which must still reproduce. TestSoundness runs a fixed set of
// candidates; FuzzSoundness explores further; TestCampaign
// (SOUNDNESS_MINUTES=n) runs the fuzzer for a while, minimizes what it
// finds and writes it to SOUNDNESS_OUT.
//
// The interpreter checks memory per region: the stack of all eight frames
// is one region and a packet's region is its whole buffer, headroom and
// tailroom included, so an access just past data_end or below the frame
// is caught only by the kernel oracle.
package soundness
