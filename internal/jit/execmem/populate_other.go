//go:build unix && !linux

package execmem

const mapPopulate = 0
