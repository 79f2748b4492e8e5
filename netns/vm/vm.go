package vm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Tools are the host programs the VM tier needs (install-deps.sh installs
// them: qemu-system-x86 busybox-static cpio kmod, plus apt and dpkg).
var Tools = []string{QemuBinary, "cpio", "gzip", "modprobe", "depmod", "apt-get", "dpkg-deb"}

// Missing lists what the host lacks to run the VM tier: tools not on
// PATH, busybox-static's binary, root.
func Missing() []string {
	var m []string
	for _, t := range Tools {
		if _, err := exec.LookPath(t); err != nil {
			m = append(m, t)
		}
	}
	if _, err := os.Stat(BusyboxPath); err != nil {
		m = append(m, BusyboxPath+" (busybox-static)")
	}
	if os.Geteuid() != 0 {
		m = append(m, "root (apt-get download, depmod -b)")
	}
	return m
}

// BuildStatic builds a Go package's binary (or, with test, its test
// binary) for the VM: CGO_ENABLED=0, so it runs without a libc.
func BuildStatic(ctx context.Context, pkg, out string, test bool) error {
	args := []string{"build", "-o", out, pkg}
	if test {
		args = []string{"test", "-c", "-o", out, pkg}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("vm: go %s: %w: %s", strings.Join(args, " "), err, b)
	}
	return nil
}

// Spec is one run of a command inside a fresh VM.
type Spec struct {
	// Cache is the kernel cache (CacheDir() if empty).
	Cache string
	// WorkDir holds the initramfs (a temporary directory if empty).
	WorkDir string
	// Files are put into the image (binaries built with BuildStatic).
	Files []File
	// Command runs as PID 1's child, in /tmp.
	Command []string
	// Modules default to DefaultModules.
	Modules  []string
	MemoryMB int
}

// Timings says where a run's time went.
type Timings struct {
	Kernel    time.Duration // fetch (or cache hit)
	Initramfs time.Duration
	Qemu      time.Duration // boot, command, power-off
}

func (t Timings) String() string {
	return fmt.Sprintf("kernel %v, initramfs %v, qemu %v", t.Kernel.Round(time.Millisecond), t.Initramfs.Round(time.Millisecond), t.Qemu.Round(time.Millisecond))
}

// RunSpec fetches (or reuses) the kernel, builds the initramfs, boots it
// and returns the command's marked output and exit status.
func RunSpec(ctx context.Context, s Spec) (Result, Timings, error) {
	var tm Timings
	if s.Cache == "" {
		c, err := CacheDir()
		if err != nil {
			return Result{}, tm, err
		}
		s.Cache = c
	}
	if s.Modules == nil {
		s.Modules = DefaultModules
	}
	t := time.Now()
	k, err := FetchKernel(ctx, s.Cache)
	tm.Kernel = time.Since(t)
	if err != nil {
		return Result{}, tm, err
	}
	work := s.WorkDir
	if work == "" {
		work, err = os.MkdirTemp("", "gkl-vm-")
		if err != nil {
			return Result{}, tm, fmt.Errorf("vm: %w", err)
		}
		defer os.RemoveAll(work)
	}
	initrd := filepath.Join(work, "initrd.gz")
	t = time.Now()
	err = Initramfs{Kernel: k, Modules: s.Modules, Files: s.Files, Command: s.Command}.Build(ctx, initrd)
	tm.Initramfs = time.Since(t)
	if err != nil {
		return Result{}, tm, err
	}
	res, err := Run(ctx, Boot{Vmlinuz: k.Vmlinuz, Initrd: initrd, MemoryMB: s.MemoryMB})
	tm.Qemu = res.Wall
	return res, tm, err
}
