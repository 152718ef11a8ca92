//go:build !amd64 || purego

package cluster

// asmKernels is empty: this build has no assembly kernel.
func asmKernels() []distKernel { return nil }
