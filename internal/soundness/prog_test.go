package soundness

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	casm "github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gbpf/gbpf/asm"
	"github.com/gbpf/gbpf/internal/loader"
)

// progName is the name of a candidate's program in its collection.
const progName = "prog"

// Prog is a candidate: one program with the maps it may refer to. A
// "lddw rX, map_fd(i)" or "map_value(i) + off" slot refers to Maps[i].
type Prog struct {
	Origin string // where it came from and how it was mutated
	Type   ebpf.ProgramType
	Attach ebpf.AttachType
	Flags  uint32 // program flags (BPF_F_SLEEPABLE for syscall programs)
	Maps   []*ebpf.MapSpec
	Insns  asm.Instructions
	// Funcs are the BTF functions of an object's program by first slot;
	// other functions get a static one made up (the kernel wants BTF
	// function info for callbacks).
	Funcs map[int]*btf.Func
}

func (p *Prog) clone() *Prog {
	q := *p
	q.Insns = slices.Clone(p.Insns)
	return &q
}

// fromSpec turns program name of an object into a Prog. Programs that call
// kernel functions, or whose maps refer to others, are not representable.
func fromSpec(spec *ebpf.CollectionSpec, name string) (*Prog, error) {
	ps := spec.Programs[name]
	lp, err := loader.ConvertProgram(ps)
	if err != nil {
		return nil, err
	}
	if len(lp.Kfuncs) > 0 {
		return nil, fmt.Errorf("calls kernel functions")
	}
	p := &Prog{Type: ps.Type, Attach: ps.AttachType, Flags: ps.Flags, Insns: lp.Insns, Funcs: map[int]*btf.Func{}}
	iter := ps.Instructions.Iterate()
	for iter.Next() {
		if fn := btf.FuncMetadata(iter.Ins); fn != nil {
			p.Funcs[int(iter.Offset)] = fn
		}
	}
	index := map[string]int{}
	var names []string
	for _, r := range lp.Relocs {
		if _, ok := index[r.Map]; !ok {
			index[r.Map] = -1
			names = append(names, r.Map)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		ms := spec.Maps[n]
		if ms == nil {
			return nil, fmt.Errorf("no map %s", n)
		}
		ms = ms.Copy()
		switch ms.Type {
		case ebpf.ProgramArray:
			ms.Contents = nil // the other programs are not part of a candidate
		case ebpf.ArrayOfMaps, ebpf.HashOfMaps:
			if len(ms.Contents) > 0 {
				return nil, fmt.Errorf("map %s holds other maps", n)
			}
		}
		ms.Pinning = ebpf.PinNone
		index[n] = len(p.Maps)
		p.Maps = append(p.Maps, ms)
	}
	for _, r := range lp.Relocs {
		p.Insns[r.Slot].Imm = int32(index[r.Map])
	}
	return p, nil
}

// loaderProgram is what gbpf's verifier checks.
func (p *Prog) loaderProgram() (*loader.Program, error) {
	lp := &loader.Program{Name: progName, Type: p.Type, Attach: p.Attach, License: "GPL", Insns: slices.Clone(p.Insns), Funcs: map[int]string{0: progName}}
	lp.Lines = make([]*btf.Line, len(lp.Insns))
	// The functions' BTF, as the kernel gets it (Spec): global functions
	// are verified on their own against their prototypes.
	for _, s := range funcStarts(p.Insns) {
		if fn := p.Funcs[s]; fn != nil {
			if lp.FuncTypes == nil {
				lp.FuncTypes = map[int]*btf.Func{}
			}
			lp.FuncTypes[s] = fn
			if s != 0 {
				lp.Funcs[s] = fn.Name
			}
		}
	}
	for i := 0; i < len(p.Insns); i++ {
		ins := p.Insns[i]
		if !ins.IsLoadImm64() {
			continue
		}
		if ins.Src == asm.PseudoMapFD || ins.Src == asm.PseudoMapValue {
			if int(ins.Imm) < 0 || int(ins.Imm) >= len(p.Maps) || i+1 >= len(p.Insns) {
				return nil, fmt.Errorf("slot %d: no map %d", i, ins.Imm)
			}
			r := loader.Reloc{Slot: i, Map: p.Maps[ins.Imm].Name}
			if ins.Src == asm.PseudoMapValue {
				r.Value = true
				r.Off = uint32(p.Insns[i+1].Imm)
			}
			lp.Relocs = append(lp.Relocs, r)
			lp.Insns[i].Imm = 0
		}
		i++
	}
	return lp, nil
}

// Spec builds the collection the interpreter and the kernel load: the
// program with map references by name, and the maps.
func (p *Prog) Spec() (*ebpf.CollectionSpec, error) {
	cinsns, err := casm.AppendInstructions(nil, bytes.NewReader(p.Insns.Encode()), binary.LittleEndian, "linux")
	if err != nil {
		return nil, err
	}
	for i := range cinsns {
		ins := &cinsns[i]
		if !ins.IsLoadFromMap() {
			continue
		}
		idx := int(int32(uint32(ins.Constant)))
		if idx < 0 || idx >= len(p.Maps) {
			return nil, fmt.Errorf("instruction %d: no map %d", i, idx)
		}
		ins.Constant = int64(uint64(ins.Constant) &^ 0xffffffff)
		*ins = ins.WithReference(p.Maps[idx].Name)
	}
	if len(cinsns) > 0 {
		cinsns[0] = cinsns[0].WithSymbol(progName)
	}
	p.addFuncInfo(cinsns)
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{},
		Programs: map[string]*ebpf.ProgramSpec{progName: {
			Name: progName, Type: p.Type, AttachType: p.Attach, Flags: p.Flags,
			License: "GPL", Instructions: cinsns,
		}},
	}
	for _, ms := range p.Maps {
		spec.Maps[ms.Name] = ms.Copy()
	}
	return spec, nil
}

// funcStarts are the first slots of the program's functions: 0 and the
// targets of local calls and function address loads.
func funcStarts(insns asm.Instructions) []int {
	set := map[int]bool{0: true}
	for i, ins := range insns {
		if (ins.OpCode == asm.OpCall && ins.Src == asm.CallLocal) || (ins.IsLoadImm64() && ins.Src == asm.PseudoFunc) {
			if t, ok := ins.JumpTarget(i); ok && t >= 0 && t < len(insns) {
				set[t] = true
			}
		}
	}
	starts := make([]int, 0, len(set))
	for s := range set {
		starts = append(starts, s)
	}
	sort.Ints(starts)
	return starts
}

var intType = &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}

// addFuncInfo gives every function BTF function info.
func (p *Prog) addFuncInfo(cinsns casm.Instructions) {
	at := map[int]int{}
	off := 0
	for i := range cinsns {
		at[off] = i
		off += int(cinsns[i].Size() / casm.InstructionSize)
	}
	for _, s := range funcStarts(p.Insns) {
		i, ok := at[s]
		if !ok {
			continue // inside a lddw: the verifiers refuse it anyway
		}
		fn := p.Funcs[s]
		if fn == nil {
			fn = &btf.Func{Name: fmt.Sprintf("f%d", s), Type: &btf.FuncProto{Return: intType}, Linkage: btf.StaticFunc}
			if s == 0 {
				fn = &btf.Func{Name: progName, Type: &btf.FuncProto{Return: intType, Params: []btf.FuncParam{{Name: "ctx", Type: &btf.Pointer{Target: &btf.Void{}}}}}, Linkage: btf.GlobalFunc}
			}
		}
		cinsns[i] = btf.WithFuncMetadata(cinsns[i], fn)
	}
}

// Text renders the program in LLVM assembly syntax.
func (p *Prog) Text() string { return asm.Disassemble(p.Insns, asm.SyntaxLLVM) }

// Case is a kept finding: the program, the kind of finding and, for
// runtime findings, the seed of the input that showed it.
type Case struct {
	Prog     *Prog
	Kind     string
	Input    uint64
	Comments []string
}

// Format renders a case file: comment lines, a header (kind, input, type,
// global functions, maps), a line "---", and the program in LLVM assembly syntax.
func (c *Case) Format() string {
	var b strings.Builder
	p := c.Prog
	for _, cm := range c.Comments {
		for l := range strings.SplitSeq(strings.TrimRight(cm, "\n"), "\n") {
			b.WriteString("# " + l + "\n")
		}
	}
	fmt.Fprintf(&b, "kind %s\n", c.Kind)
	if c.Input != 0 {
		fmt.Fprintf(&b, "input %d\n", c.Input)
	}
	fmt.Fprintf(&b, "type %s\n", p.Type)
	if p.Attach != 0 {
		fmt.Fprintf(&b, "attach %d\n", p.Attach)
	}
	if p.Flags != 0 {
		fmt.Fprintf(&b, "flags %#x\n", p.Flags)
	}
	for _, l := range p.funcLines() {
		b.WriteString(l + "\n")
	}
	for i, ms := range p.Maps {
		fmt.Fprintf(&b, "map %d %s %s key=%d value=%d entries=%d flags=%#x", i, ms.Name, ms.Type, ms.KeySize, ms.ValueSize, ms.MaxEntries, ms.Flags)
		if data := globalData(ms); data != nil {
			fmt.Fprintf(&b, " data=%s", hex.EncodeToString(data))
		}
		b.WriteString("\n")
	}
	b.WriteString("---\n")
	b.WriteString(p.Text())
	return b.String()
}

// globalData is the initial value of a global data section's single
// entry.
func globalData(ms *ebpf.MapSpec) []byte {
	if len(ms.Contents) != 1 || ms.Type != ebpf.Array || ms.MaxEntries != 1 {
		return nil
	}
	if b, ok := ms.Contents[0].Value.([]byte); ok && !allZero(b) {
		return b
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func parseEnum[T interface {
	~uint32
	String() string
}](s string, limit int) (T, error) {
	for i := range limit {
		if T(i).String() == s {
			return T(i), nil
		}
	}
	n, err := strconv.ParseUint(s, 0, 32)
	return T(n), err
}

// ParseCase reads a case file written by Format.
func ParseCase(text string) (*Case, error) {
	p := &Prog{}
	c := &Case{Prog: p}
	sc := bufio.NewScanner(strings.NewReader(text))
	var body strings.Builder
	inBody := false
	for sc.Scan() {
		line := sc.Text()
		if inBody {
			body.WriteString(line + "\n")
			continue
		}
		if cm, ok := strings.CutPrefix(line, "#"); ok {
			c.Comments = append(c.Comments, strings.TrimPrefix(cm, " "))
			continue
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var err error
		switch f[0] {
		case "---":
			inBody = true
		case "kind":
			c.Kind = f[1]
		case "input":
			c.Input, err = strconv.ParseUint(f[1], 0, 64)
		case "type":
			p.Type, err = parseEnum[ebpf.ProgramType](f[1], 64)
		case "attach":
			var n uint64
			n, err = strconv.ParseUint(f[1], 0, 32)
			p.Attach = ebpf.AttachType(n)
		case "flags":
			var n uint64
			n, err = strconv.ParseUint(f[1], 0, 32)
			p.Flags = uint32(n)
		case "func":
			err = p.parseFunc(f[1:])
		case "map":
			var ms *ebpf.MapSpec
			ms, err = parseMap(f[1:])
			if err == nil {
				p.Maps = append(p.Maps, ms)
			}
		default:
			err = fmt.Errorf("unknown header %q", f[0])
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %w", line, err)
		}
	}
	insns, err := asm.Assemble(body.String(), asm.SyntaxLLVM)
	if err != nil {
		return nil, err
	}
	p.Insns = insns
	return c, nil
}

func parseMap(f []string) (*ebpf.MapSpec, error) {
	if len(f) < 3 {
		return nil, fmt.Errorf("want: map INDEX NAME TYPE key=N value=N entries=N flags=N [data=HEX]")
	}
	typ, err := parseEnum[ebpf.MapType](f[2], 64)
	if err != nil {
		return nil, err
	}
	ms := &ebpf.MapSpec{Name: f[1], Type: typ}
	for _, kv := range f[3:] {
		k, v, _ := strings.Cut(kv, "=")
		if k == "data" {
			b, err := hex.DecodeString(v)
			if err != nil {
				return nil, err
			}
			ms.Contents = []ebpf.MapKV{{Key: uint32(0), Value: b}}
			continue
		}
		n, err := strconv.ParseUint(v, 0, 32)
		if err != nil {
			return nil, err
		}
		switch k {
		case "key":
			ms.KeySize = uint32(n)
		case "value":
			ms.ValueSize = uint32(n)
		case "entries":
			ms.MaxEntries = uint32(n)
		case "flags":
			ms.Flags = uint32(n)
		default:
			return nil, fmt.Errorf("unknown map field %q", k)
		}
	}
	return ms, nil
}

// funcLines are a case's "func SLOT NAME BTF" header lines: the global
// functions other than the program's own, which the verifiers check on
// their own against their BTF prototypes, with the BTF of each (hex).
// Static functions need none: addFuncInfo makes them up.
func (p *Prog) funcLines() []string {
	var slots []int
	for s, fn := range p.Funcs {
		if s != 0 && fn.Linkage == btf.GlobalFunc {
			slots = append(slots, s)
		}
	}
	sort.Ints(slots)
	var lines []string
	for _, s := range slots {
		fn := p.Funcs[s]
		b, err := btf.NewBuilder([]btf.Type{fn}, nil)
		if err != nil {
			continue
		}
		raw, err := b.Marshal(nil, nil)
		if err != nil {
			continue
		}
		lines = append(lines, fmt.Sprintf("func %d %s %s", s, fn.Name, hex.EncodeToString(raw)))
	}
	return lines
}

func (p *Prog) parseFunc(f []string) error {
	if len(f) != 3 {
		return fmt.Errorf("want: func SLOT NAME BTF")
	}
	slot, err := strconv.Atoi(f[0])
	if err != nil {
		return err
	}
	raw, err := hex.DecodeString(f[2])
	if err != nil {
		return err
	}
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var fn *btf.Func
	if err := spec.TypeByName(f[1], &fn); err != nil {
		return err
	}
	if p.Funcs == nil {
		p.Funcs = map[int]*btf.Func{}
	}
	p.Funcs[slot] = fn
	return nil
}
