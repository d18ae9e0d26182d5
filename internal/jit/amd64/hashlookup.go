package amd64

// HashMap is a hash map whose lookups run inline: the layout of its index
// (internal/maps.HashLayout), walked by the generated code as the helper
// walks it: hash the key, pick the bucket, follow the chain comparing
// hashes and keys.
type HashMap struct {
	Buckets     uint64 // address of the bucket array
	Mask        uint32 // bucket = hash & Mask (below 2^31)
	Seed        uint32 // below 2^31
	KeySize     uint32 // at most MaxInlineKey
	ValueOffset uint32 // from an element to its value
	CPUStride   uint32 // per-CPU maps: bytes between CPUs' values
	// SetRef says a hit sets the element's reference bit (LRU maps), as
	// the kernel's lookup does: a 4-byte word, written only when 0.
	SetRef bool
}

// The element layout and hash of internal/maps' index.
const (
	hashElemHash = 8
	hashElemRef  = 12
	hashElemKey  = 16
	hashMult     = 0x9e3779b97f4a7c15
	// MaxInlineKey bounds the keys whose lookups are inlined: the code
	// grows with the key.
	MaxInlineKey = 64
)

// inlineHashLookup is bpf_map_lookup_elem on a hash map, for a program
// the verifier proved passes a readable key of the map's key size in r2:
// r0 = the value's address, or 0. It clobbers r1 to r5, as the call does.
func (c *compiler) inlineHashLookup(hm HashMap) {
	const (
		key = RSI // r2
		h   = tmp2
		w   = tmp
	)
	n := int(hm.KeySize)
	// h = (h ^ word) * hashMult per 8-byte word, then the high half
	// folded into the low (maps.HashKey).
	c.a.MovImm(RAX, hashMult)
	c.a.MovImm(h, uint64(hm.Seed))
	for off := 0; off < n; off += 8 {
		c.keyWord(w, key, off, min(8, n-off))
		c.a.ALU(XOR, W64, h, w)
		c.a.Imul(W64, h, RAX)
	}
	c.a.Mov(W64, w, h)
	c.a.ShiftImm(SHR, W64, w, 32)
	c.a.ALU(XOR, W32, h, w)
	c.a.Mov(W32, RDX, h)
	c.a.ALUImm(AND, W32, RDX, int32(hm.Mask))
	c.a.MovImm(RCX, hm.Buckets)
	c.a.Load(W64, RAX, Mem{Base: RCX, Index: RDX, Scale: 8})

	loop := c.a.Len()
	c.a.Test(W64, RAX, RAX)
	miss := c.a.Jcc(CondE) // r0 = 0
	c.a.ALULoad(CMP, W32, h, At(RAX, hashElemHash))
	next := []int{c.a.Jcc(CondNE)}
	for off := 0; off < n; off += 8 {
		c.keyWord(w, key, off, min(8, n-off))
		c.a.ALULoad(CMP, W64, w, At(RAX, int32(hashElemKey+off)))
		next = append(next, c.a.Jcc(CondNE))
	}
	if hm.SetRef {
		c.a.ALUMemImm(CMP, W32, At(RAX, hashElemRef), 0)
		set := c.a.JccShort(CondNE)
		c.a.StoreImm(W32, At(RAX, hashElemRef), 1)
		c.a.PatchShort(set, c.a.Len())
	}
	c.a.ALUImm(ADD, W64, RAX, int32(hm.ValueOffset))
	if hm.CPUStride != 0 {
		c.a.Load(W64, w, mem(ctxReg, offCPU))
		c.a.ImulImm(W64, w, w, int32(hm.CPUStride))
		c.a.ALU(ADD, W64, RAX, w)
	}
	done := c.a.Jmp()
	for _, j := range next {
		c.a.Patch(j, c.a.Len())
	}
	c.a.Load(W64, RAX, At(RAX, 0)) // the next element
	c.a.Patch(c.a.Jmp(), loop)
	c.a.Patch(miss, c.a.Len())
	c.a.Patch(done, c.a.Len())
}

// keyWord loads the n bytes (1 to 8) at key+off into dst, zero-extended:
// the key's word as the index hashes and stores it. It reads no byte
// past the key, and uses RDI (r1) as scratch.
func (c *compiler) keyWord(dst, key Reg, off, n int) {
	at := func(d int) Mem { return At(key, int32(off+d)) }
	switch n {
	case 8:
		c.a.Load(W64, dst, at(0))
		return
	case 4:
		c.a.Load(W32, dst, at(0))
		return
	case 2:
		c.a.Load(W16, dst, at(0))
		return
	case 1:
		c.a.Load(W8, dst, at(0))
		return
	}
	// 3, 5, 6, 7: the widest piece first, then the rest above it.
	done := 0
	for _, p := range []struct {
		w     Width
		bytes int
	}{{W32, 4}, {W16, 2}, {W8, 1}} {
		if n-done < p.bytes {
			continue
		}
		if done == 0 {
			c.a.Load(p.w, dst, at(0))
		} else {
			c.a.Load(p.w, RDI, at(done))
			c.a.ShiftImm(SHL, W64, RDI, uint8(8*done))
			c.a.ALU(OR, W64, dst, RDI)
		}
		done += p.bytes
	}
}

// LPMMap is an LPM trie whose lookups run inline: the layout of its index
// (internal/maps.LPMLayout), walked as the kernel's trie_lookup_elem
// walks the trie.
type LPMMap struct {
	Root        uint64 // address of the word holding the root's address
	DataSize    uint32 // 1 to 16
	MaxPrefix   uint32
	ValueOffset uint32
}

// The node layout of internal/maps' LPM index.
const (
	lpmNodePrefix = 16
	lpmNodeIm     = 20
	lpmNodeData   = 24
)

// inlineLPMLookup is bpf_map_lookup_elem on an LPM trie, for a program
// the verifier proved passes a readable key in r2: r0 = the value of the
// longest prefix matching the key, or 0. With the data as one or two
// big-endian words, the bits a node and the key share are the leading
// zeros of their xor. It clobbers r1 to r5, as the call does.
func (c *compiler) inlineLPMLookup(lm LPMMap) {
	const (
		key    = RSI // r2
		plen   = RCX // the key's prefix length
		data   = RDX // the key's data (its first 8 bytes), big-endian, left-aligned
		dataLo = RSI // the key's next 8 bytes, for data over 8 bytes (after key)
		found  = R8  // the last node with a value on the path
		match  = RDI // bits the node and the key share
		nplen  = tmp2
		x      = tmp
	)
	wide := lm.DataSize > 8
	c.a.ALU(XOR, W32, found, found)
	c.a.Load(W32, plen, At(key, 0))
	c.a.ALUImm(CMP, W32, plen, int32(lm.MaxPrefix))
	tooLong := c.a.Jcc(CondA)
	c.keyWord(data, key, 4, int(min(lm.DataSize, 8)))
	c.a.Bswap(W64, data)
	if wide {
		c.keyWord(nplen, key, 12, int(lm.DataSize-8))
		c.a.Bswap(W64, nplen)
		c.a.Mov(W64, dataLo, nplen)
	}
	c.a.MovImm(RAX, lm.Root)
	c.a.Load(W64, RAX, At(RAX, 0))

	loop := c.a.Len()
	c.a.Test(W64, RAX, RAX)
	end := []int{c.a.Jcc(CondE)}
	c.a.Load(W64, x, At(RAX, lpmNodeData))
	c.a.ALU(XOR, W64, x, data)
	// shared sets match to the bits the node and the key share from bit
	// base on, given x, the xor of their words there.
	shared := func(base uint64) {
		c.a.MovImm(match, base+64)
		c.a.Bsr(W64, x, x)
		same := c.a.JccShort(CondE)
		c.a.MovImm(match, base+63)
		c.a.ALU(SUB, W32, match, x)
		c.a.PatchShort(same, c.a.Len())
	}
	if wide {
		// Equal first words: the second decides, from bit 64 on.
		c.a.Test(W64, x, x)
		differ := c.a.JccShort(CondNE)
		c.a.Load(W64, x, At(RAX, lpmNodeData+8))
		c.a.ALU(XOR, W64, x, dataLo)
		shared(64)
		done := c.a.JmpShort()
		c.a.PatchShort(differ, c.a.Len())
		shared(0)
		c.a.PatchShort(done, c.a.Len())
	} else {
		shared(0)
	}
	c.a.Load(W32, nplen, At(RAX, lpmNodePrefix))
	c.a.ALU(CMP, W32, match, nplen)
	c.a.Cmov(CondA, W32, match, nplen)
	c.a.ALU(CMP, W32, match, plen)
	c.a.Cmov(CondA, W32, match, plen)
	c.a.ALUImm(CMP, W32, match, int32(lm.MaxPrefix))
	exact := c.a.Jcc(CondE)
	c.a.ALU(CMP, W32, match, nplen)
	end = append(end, c.a.Jcc(CondB)) // the node's prefix does not match
	c.a.ALUMemImm(CMP, W32, At(RAX, lpmNodeIm), 0)
	c.a.Cmov(CondE, W64, found, RAX)
	// The child on the side of the key's bit after the node's prefix:
	// bit 63-nplen of the first word, or (the same modulo 64) bit
	// 127-nplen of the second.
	c.a.MovImm(x, 63)
	c.a.ALU(SUB, W32, x, nplen)
	word := data
	if wide {
		word = match
		c.a.Mov(W64, match, data)
		c.a.ALUImm(CMP, W32, nplen, 64)
		c.a.Cmov(CondAE, W64, match, dataLo)
	}
	c.a.Bt(W64, word, x)
	c.a.ALU(SBB, W64, x, x)
	c.a.ALUImm(AND, W32, x, 8)
	c.a.Load(W64, RAX, Mem{Base: RAX, Index: x, Scale: 1})
	c.a.Patch(c.a.Jmp(), loop)

	c.a.Patch(exact, c.a.Len())
	c.a.Mov(W64, found, RAX)
	for _, j := range end {
		c.a.Patch(j, c.a.Len())
	}
	c.a.Patch(tooLong, c.a.Len())
	c.a.ALU(XOR, W32, RAX, RAX)
	c.a.Test(W64, found, found)
	none := c.a.JccShort(CondE)
	c.a.Lea(RAX, At(found, int32(lm.ValueOffset)))
	c.a.PatchShort(none, c.a.Len())
}
