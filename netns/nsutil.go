package netns

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// ensureNetnsDir makes NetnsDir exist and be a shared mount point, as
// iproute2's `ip netns add` does: a namespace bind-mounted there is then
// visible (and unmounted) in every mount namespace that copies the host's.
func ensureNetnsDir() error {
	if err := os.MkdirAll(NetnsDir, 0o755); err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	err := unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if errors.Is(err, unix.EINVAL) { // not a mount point yet
		if err = unix.Mount(NetnsDir, NetnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err == nil {
			err = unix.Mount("", NetnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
		}
	}
	if err != nil {
		return fmt.Errorf("netns: make %s a shared mount: %w", NetnsDir, err)
	}
	return nil
}

// createNetns creates a network namespace and bind-mounts it at path,
// the way `ip netns add` does. The unshare happens on a locked thread of a
// goroutine that then ends without unlocking, so the Go runtime retires
// that thread: no goroutine ever runs in the new namespace and nothing has
// to be restored.
func createNetns(path string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		errc <- func() error {
			f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
			if err != nil {
				return err
			}
			f.Close()
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				os.Remove(path)
				return fmt.Errorf("unshare: %w", err)
			}
			src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
			if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
				os.Remove(path)
				return fmt.Errorf("bind %s: %w", src, err)
			}
			return nil
		}()
	}()
	if err := <-errc; err != nil {
		return fmt.Errorf("netns: create namespace %s: %w", path, err)
	}
	return nil
}

// deleteNetns unmounts and removes a named namespace; a missing one is
// not an error. The namespace itself goes when its last user does.
func deleteNetns(path string) error {
	err := unix.Unmount(path, unix.MNT_DETACH)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("netns: unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("netns: %w", err)
	}
	return nil
}

// inNetns runs fn on a locked OS thread that has entered the network
// namespace at path; sockets fn opens stay in that namespace. The thread
// returns to the original namespace afterwards; if it cannot, the
// goroutine ends locked and the runtime retires the thread, so no other
// goroutine ever runs in the foreign namespace.
func inNetns(path string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: %w", err)
			return
		}
		defer orig.Close()
		target, err := os.Open(path)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: %w", err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: enter %s: %w", path, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Stay locked: the thread is retired with this goroutine.
			errc <- errors.Join(ferr, fmt.Errorf("netns: leave %s: %w", path, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// writeSysctl writes a /proc/sys/net value as seen from the namespace at
// nsPath (/proc/sys/net follows the writing thread's namespace).
func writeSysctl(nsPath, key, value string) error {
	return inNetns(nsPath, func() error {
		p := "/proc/sys/" + key
		if err := os.WriteFile(p, []byte(value), 0); err != nil {
			return fmt.Errorf("netns: sysctl %s=%s: %w", key, value, err)
		}
		return nil
	})
}
