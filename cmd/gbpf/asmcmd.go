package main

import (
	"github.com/gbpf/gbpf/asm"
	"github.com/spf13/cobra"
)

func newAsmCommand() *cobra.Command {
	var out, syntax string
	cmd := &cobra.Command{
		Use:   "asm FILE",
		Short: "Assemble text into raw bytecode (8 bytes per slot, little-endian)",
		Long: `Assembles FILE ("-" for standard input) in LLVM syntax (as llvm-objdump -d
prints it) or the bpf_conformance syntax; without --syntax the syntax is
detected from the text.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := readInput(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			syn, err := syntaxFlag(syntax, string(b))
			if err != nil {
				return err
			}
			insns, err := asm.Assemble(string(b), syn)
			if err != nil {
				return usageError("%s: %v", args[0], err)
			}
			return writeOutput(out, cmd.OutOrStdout(), insns.Encode())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the bytecode to this file (default standard output)")
	cmd.Flags().StringVar(&syntax, "syntax", "", "input syntax: llvm or conformance (default: detect)")
	return cmd
}

func newDisasmCommand() *cobra.Command {
	var syntax, prog string
	var withJIT bool
	cmd := &cobra.Command{
		Use:   "disasm FILE",
		Short: "Disassemble an ELF object or raw bytecode (LLVM syntax by default)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			syn := asm.SyntaxLLVM
			if syntax != "" {
				s, err := asm.ParseSyntax(syntax)
				if err != nil {
					return usageError("%v", err)
				}
				syn = s
			}
			b, err := readInput(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			if len(b) >= 4 && string(b[:4]) == string(elfMagic) {
				return disasmObject(cmd.OutOrStdout(), args[0], b, prog, syn, withJIT)
			}
			insns, err := asm.DecodeAll(b)
			if err != nil {
				return usageError("%s: %v", args[0], err)
			}
			if withJIT {
				if err := writeJITListing(cmd.OutOrStdout(), insns, syn, nil, nil); err != nil {
					return usageError("%s: %v", args[0], err)
				}
				return nil
			}
			_, err = cmd.OutOrStdout().Write([]byte(asm.Disassemble(insns, syn)))
			return err
		},
	}
	cmd.Flags().StringVar(&syntax, "syntax", "llvm", "output syntax: llvm or conformance")
	cmd.Flags().StringVar(&prog, "prog", "", "program to disassemble, by function name (ELF objects)")
	cmd.Flags().BoolVar(&withJIT, "jit", false, "show the x86-64 code the JIT generates under each instruction (map and data addresses are placeholders)")
	return cmd
}
