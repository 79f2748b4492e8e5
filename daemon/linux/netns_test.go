package linux

import (
	"runtime"
	"testing"

	"github.com/vishvananda/netns"
)

// fn runs in the namespace; afterwards the thread is back where it was.
func TestInNamespace(t *testing.T) {
	requireRoot(t)
	ns := newNS(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	must(t, err)
	defer orig.Close()
	for range 3 {
		must(t, InNamespace(ns.ns, func() error {
			cur, err := netns.Get()
			if err != nil {
				return err
			}
			defer cur.Close()
			if !cur.Equal(ns.ns) {
				t.Error("fn does not run in the namespace")
			}
			return nil
		}))
		cur, err := netns.Get()
		must(t, err)
		if !cur.Equal(orig) {
			t.Fatal("the thread was left in the namespace")
		}
		cur.Close()
	}
}
