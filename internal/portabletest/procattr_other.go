//go:build !linux

package portabletest

import "syscall"

// procAttr is only used on linux: Setup skips the tests elsewhere.
func procAttr() *syscall.SysProcAttr { return nil }
