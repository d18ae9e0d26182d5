package env

import (
	"os"
	"path/filepath"
)

// truncatedName is the executable's name cut to the kernel's 15-byte
// TASK_COMM_LEN less the NUL.
func truncatedName() string {
	name := filepath.Base(os.Args[0])
	if len(name) > 15 {
		name = name[:15]
	}
	return name
}
