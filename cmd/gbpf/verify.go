package main

import (
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/gbpf/gbpf/internal/loader"
	"github.com/gbpf/gbpf/internal/verifier"
)

// newVerifyCommand is `gbpf verify OBJECT [--prog NAME] [--log]`: exit 0
// when every selected program is accepted, 1 when one is rejected, 2 for
// unusable input.
func newVerifyCommand() *cobra.Command {
	var prog string
	var logFlag bool
	cmd := &cobra.Command{
		Use:   "verify OBJECT",
		Short: "Verify the programs of an ELF object as the kernel's verifier would",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := readInput(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			spec, err := loadObject(args[0], b)
			if err != nil {
				return err
			}
			var names []string
			if prog != "" {
				ps, err := pickProgram(args[0], spec, prog)
				if err != nil {
					return err
				}
				names = []string{ps.Name}
			} else {
				for n := range spec.Programs {
					names = append(names, n)
				}
				sort.Strings(names)
				if len(names) == 0 {
					return usageError("%s holds no programs", args[0])
				}
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			var rejected []error
			for _, name := range names {
				ps := spec.Programs[name]
				p, err := loader.ConvertProgram(ps)
				if err != nil {
					return usageError("%s: %v", args[0], err)
				}
				cfg := verifier.ConfigFor(spec, ps)
				cfg.Log = logFlag
				res, err := verifier.Verify(p, cfg)
				if err != nil {
					var ve *verifier.Error
					if logFlag && errors.As(err, &ve) {
						fmt.Fprintf(out, "%+v\n", ve)
					}
					rejected = append(rejected, err)
					continue
				}
				fmt.Fprintf(out, "program %s: accepted (%d instructions processed, %d states)\n", name, res.Processed, res.PeakStates)
			}
			if len(rejected) == 0 {
				return nil
			}
			for _, err := range rejected[:len(rejected)-1] {
				fmt.Fprintf(errOut, "gbpf: %v\n", err)
			}
			return runError(rejected[len(rejected)-1])
		},
	}
	cmd.Flags().StringVar(&prog, "prog", "", "the program to verify (default: every program of the object)")
	cmd.Flags().BoolVar(&logFlag, "log", false, "print the verifier's reasoning: the path taken and the register and stack states along it")
	return cmd
}
