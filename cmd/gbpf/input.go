package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gbpf/gbpf/asm"
)

var elfMagic = []byte{0x7f, 'E', 'L', 'F'}

// readInput reads FILE, or standard input for "-".
func readInput(path string, stdin io.Reader) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageError("read %s: %v", path, err)
	}
	return b, nil
}

// detectSyntax guesses the text syntax: the conformance syntax writes
// registers as %rN, LLVM's as rN or wN.
func detectSyntax(text string) asm.Syntax {
	if strings.Contains(text, "%r") {
		return asm.SyntaxConformance
	}
	return asm.SyntaxLLVM
}

// syntaxFlag resolves a --syntax value; "" means detect from text.
func syntaxFlag(name, text string) (asm.Syntax, error) {
	if name == "" {
		return detectSyntax(text), nil
	}
	syn, err := asm.ParseSyntax(name)
	if err != nil {
		return 0, usageError("%v", err)
	}
	return syn, nil
}

// isAssemblyFile says whether a program file holds assembly text rather
// than raw bytecode: by extension, else by content.
func isAssemblyFile(path string, b []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".s", ".asm", ".bpf", ".txt":
		return true
	case ".bin", ".o", ".raw":
		return false
	}
	if len(b)%asm.InstructionSize != 0 {
		return true
	}
	for _, c := range b {
		if c == 0 || c >= 0x80 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
			return false
		}
	}
	return len(b) > 0
}

// parseProgram reads a program file's bytes: assembly text (either
// syntax) or raw bytecode.
func parseProgram(path string, b []byte, syntax string) (asm.Instructions, error) {
	if isAssemblyFile(path, b) {
		syn, err := syntaxFlag(syntax, string(b))
		if err != nil {
			return nil, err
		}
		insns, err := asm.Assemble(string(b), syn)
		if err != nil {
			return nil, usageError("%s: %v", path, err)
		}
		return insns, nil
	}
	insns, err := asm.DecodeAll(b)
	if err != nil {
		return nil, usageError("%s: %v", path, err)
	}
	return insns, nil
}

// writeOutput writes to path, or standard output for "" and "-".
func writeOutput(path string, stdout io.Writer, b []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
