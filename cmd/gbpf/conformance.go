package main

import (
	"fmt"

	"github.com/gbpf/gbpf/internal/conformance"
	"github.com/spf13/cobra"
)

func newConformanceCommand() *cobra.Command {
	var engine string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "conformance DIR",
		Short: "Run every *.data test of a bpf_conformance test directory",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			run, err := engineByName(engine)
			if err != nil {
				return usageError("%v", err)
			}
			outcomes, err := conformance.RunDir(args[0], run)
			if err != nil {
				return usageError("%v", err)
			}
			out := cmd.OutOrStdout()
			passed, failed := 0, 0
			for _, o := range outcomes {
				if o.Passed {
					passed++
					if verbose {
						fmt.Fprintf(out, "PASS %s\n", o.Name)
					}
					continue
				}
				failed++
				fmt.Fprintf(out, "FAIL %s: %s\n", o.Name, o.Detail)
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return runError(fmt.Errorf("%d of %d conformance tests failed", failed, passed+failed))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&engine, "engine", "", "engine to run the tests with: interp or jit (default: the fastest available, jit on amd64)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also list the tests that pass")
	return cmd
}
