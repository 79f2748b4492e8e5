package linux

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// InNamespace runs fn on a locked OS thread switched into ns and switches
// the thread back before it returns. Sockets, netlink handles and
// /proc/sys files opened inside fn belong to ns and may be used from any
// goroutine afterwards; goroutines started inside fn do not run in ns.
//
// If the thread cannot be switched back, it stays locked so that the Go
// runtime retires it with the goroutine instead of reusing a thread in the
// wrong namespace, and the error says so: the calling goroutine should
// then end without touching the network. Children started inside fn run in
// ns (exec.Cmd.Start forks from the locked thread).
func InNamespace(ns netns.NsHandle, fn func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: current namespace: %w", err)
	}
	defer orig.Close()
	if err := netns.Set(ns); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: enter %v: %w", ns, err)
	}
	ferr := fn()
	if err := netns.Set(orig); err != nil {
		// Stay locked: the thread dies with this goroutine.
		return fmt.Errorf("netns: restore %v (thread retired): %w", orig, err)
	}
	runtime.UnlockOSThread()
	return ferr
}
