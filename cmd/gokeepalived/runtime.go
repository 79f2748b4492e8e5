package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// tuneRuntime sets the Go runtime up for a daemon that is idle most of
// the time and must stay small: one P (the VRRP process is one reactor
// goroutine, as keepalived is one thread; more Ps only add cross-thread
// wake-ups), unless GOMAXPROCS says otherwise.
func tuneRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

// settle returns the start-up's garbage (the configuration's parse, the
// first netlink dumps) to the kernel, so that the resident size is what
// the running daemon needs.
func settle() { debug.FreeOSMemory() }
