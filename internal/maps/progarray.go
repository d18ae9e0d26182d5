package maps

// progArray is PROG_ARRAY: slots holding programs for bpf_tail_call.
// Programs are opaque here; a program with an ID() uint32 method reports
// that id to host lookups, like the kernel's prog id.
type progArray struct {
	base
	fdArray[progRef]
}

type progRef struct{ prog any }

var _ interface {
	Map
	Programs
} = (*progArray)(nil)

func newProgArray(spec *Spec, cpus int) (*progArray, error) {
	if err := fdArrayCheck(spec); err != nil {
		return nil, err
	}
	if uint64(spec.MaxEntries)*8 > maxMapBytes {
		return nil, errNoMem
	}
	return &progArray{base: newBase(spec, cpus), fdArray: newFDArray[progRef](spec.MaxEntries)}, nil
}

// UpdateProgram stores prog at key (nil empties the slot); E2BIG when key
// is out of range.
func (p *progArray) UpdateProgram(key uint32, prog any) error {
	if err := p.canWrite(); err != nil {
		return err
	}
	if key >= uint32(len(p.slots)) {
		return err2Big
	}
	if prog == nil {
		p.slots[key].Store(nil)
		return nil
	}
	p.slots[key].Store(&progRef{prog})
	return nil
}

func (p *progArray) Program(key uint32) any {
	if r := p.get(key); r != nil {
		return r.prog
	}
	return nil
}

func (p *progArray) Lookup(key, valueOut []byte) error {
	if err := p.canRead(); err != nil {
		return err
	}
	return p.lookup(key, valueOut, func(r *progRef) uint32 {
		if id, ok := r.prog.(interface{ ID() uint32 }); ok {
			return id.ID()
		}
		return 0
	})
}

// Update would need a program fd: use UpdateProgram. It fails like the
// kernel given a value that is no program fd.
func (p *progArray) Update(key, value []byte, flags uint64) error {
	if err := p.hostUpdate(flags); err != nil {
		return err
	}
	return fdArrayUpdateCheck(p.spec.MaxEntries, key, flags, errBadF)
}

func (p *progArray) Delete(key []byte) error {
	if err := p.canWrite(); err != nil {
		return err
	}
	return p.del(key)
}

func (p *progArray) NextKey(key, nextOut []byte) error {
	if err := p.canRead(); err != nil {
		return err
	}
	return p.nextKey(key, nextOut)
}

func (p *progArray) LookupAndDelete(key, valueOut []byte) error {
	if err := p.hostLookupAndDelete(); err != nil {
		return err
	}
	return ENOTSUPP
}
