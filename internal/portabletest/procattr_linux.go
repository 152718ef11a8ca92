package portabletest

import "syscall"

// procAttr puts a child in its own process group, so that it can be killed with everything it
// started, and has the kernel kill it if the test process dies without running its cleanups
// (for example on a go test -timeout panic).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
