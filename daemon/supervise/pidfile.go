package supervise

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// RunningError says another process holds a pid file.
type RunningError struct {
	Path string
	PID  int // 0 if the file did not say
}

func (e *RunningError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("daemon is already running: pid %d holds %s", e.PID, e.Path)
	}
	return fmt.Sprintf("daemon is already running: %s is locked", e.Path)
}

// PIDFile is a locked pid file. The lock (flock, exclusive) lives as long
// as the open file description: in this process and in a child it was
// handed to (detaching), released by the kernel when the last holder
// dies, so a stale file left by kill -9 never blocks a new start.
type PIDFile struct {
	f    *os.File
	path string
}

// LockPIDFile opens (creating) and locks path, or fails with a
// *RunningError when another live process holds it.
func LockPIDFile(path string) (*PIDFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pid file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
			return nil, &RunningError{Path: path, PID: pid}
		}
		return nil, fmt.Errorf("pid file %s: lock: %w", path, err)
	}
	return &PIDFile{f: f, path: path}, nil
}

// AdoptPIDFile takes over a pid file whose locked descriptor was inherited
// (fd), as a detached daemon does from the process that started it.
func AdoptPIDFile(fd uintptr, path string) (*PIDFile, error) {
	unix.CloseOnExec(int(fd))
	f := os.NewFile(fd, path)
	if f == nil {
		return nil, fmt.Errorf("pid file %s: bad descriptor %d", path, fd)
	}
	return &PIDFile{f: f, path: path}, nil
}

// Write replaces the file's content with pid.
func (p *PIDFile) Write(pid int) error {
	if err := p.f.Truncate(0); err != nil {
		return fmt.Errorf("pid file %s: %w", p.path, err)
	}
	if _, err := p.f.WriteAt([]byte(strconv.Itoa(pid)+"\n"), 0); err != nil {
		return fmt.Errorf("pid file %s: %w", p.path, err)
	}
	return nil
}

// File is the locked descriptor, to hand to a child (ExtraFiles).
func (p *PIDFile) File() *os.File { return p.f }

// Path is the file's name.
func (p *PIDFile) Path() string { return p.path }

// Remove deletes the file and releases the lock (keepalived removes its
// pid files at exit).
func (p *PIDFile) Remove() {
	_ = os.Remove(p.path)
	_ = p.f.Close()
}

// Close releases the lock without removing the file.
func (p *PIDFile) Close() { _ = p.f.Close() }

// ReadPID reads the pid a pid file holds.
func ReadPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("pid file %s: %w", path, err)
	}
	return pid, nil
}
