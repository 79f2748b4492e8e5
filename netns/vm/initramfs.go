package vm

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DefaultModules are the modules the VM loads at boot: IPVS with the
// common schedulers, the lab's links (veth, bridge, macvlan, dummy),
// netem, conntrack and nftables (nft_numgen for random loss), virtio_net.
var DefaultModules = []string{
	"ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_wlc", "ip_vs_sh", "ip_vs_lc",
	"veth", "bridge", "sch_netem", "macvlan", "dummy",
	"nf_conntrack", "nf_tables", "nft_numgen", "virtio_net",
}

// BusyboxPath is busybox-static's binary.
const BusyboxPath = "/bin/busybox"

// Markers on the serial console: every line of the command's output is
// prefixed with OutputPrefix; its exit status comes as ExitMarker N.
const (
	OutputPrefix = "gkl-vm| "
	ExitMarker   = "gkl-vm-exit: "
)

// File is a host file to put into the image.
type File struct {
	Src  string
	Dst  string // absolute path inside the VM
	Mode os.FileMode
}

// Initramfs describes an initramfs: busybox, the modules with their
// dependencies, the files, and an /init that loads the modules, runs
// Command with its output marked, and powers off.
type Initramfs struct {
	Kernel  Kernel
	Modules []string
	Files   []File
	// Command is the argv /init runs (Files should bring it).
	Command []string
}

// Build writes the gzip'd newc cpio archive to out. Statically linked
// binaries only: the image has no libc.
func (b Initramfs) Build(ctx context.Context, out string) error {
	stage, err := os.MkdirTemp(filepath.Dir(out), "initramfs-")
	if err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	defer os.RemoveAll(stage)
	for _, d := range []string{"bin", "proc", "sys", "dev", "tmp", "run", "etc"} {
		if err := os.MkdirAll(filepath.Join(stage, d), 0o755); err != nil {
			return fmt.Errorf("vm: %w", err)
		}
	}
	if err := copyFile(BusyboxPath, filepath.Join(stage, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	applets, err := output(ctx, "", BusyboxPath, "--list")
	if err != nil {
		return err
	}
	for _, a := range strings.Fields(applets) {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(stage, "bin", a)); err != nil {
			return fmt.Errorf("vm: applet %s: %w", a, err)
		}
	}
	if err := b.copyModules(ctx, stage); err != nil {
		return err
	}
	for _, f := range b.Files {
		mode := f.Mode
		if mode == 0 {
			mode = 0o755
		}
		if err := copyFile(f.Src, filepath.Join(stage, f.Dst), mode); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(stage, "init"), []byte(b.initScript()), 0o755); err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	if _, err := output(ctx, stage, "sh", "-c", `find . | cpio -o -H newc --quiet | gzip -1 > "$1"`, "sh", out); err != nil {
		return err
	}
	return nil
}

// copyModules copies each module and what it depends on (modprobe
// --show-depends against the extracted kernel), then runs depmod there.
func (b Initramfs) copyModules(ctx context.Context, stage string) error {
	k := b.Kernel
	seen := map[string]bool{}
	for _, m := range b.Modules {
		deps, err := output(ctx, "", "modprobe", "-d", k.Root, "-S", k.Version, "--show-depends", m)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(deps, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "insmod" || seen[f[1]] {
				continue
			}
			seen[f[1]] = true
			rel, err := filepath.Rel(k.Root, f[1])
			if err != nil || strings.HasPrefix(rel, "..") {
				return fmt.Errorf("vm: module %s outside %s", f[1], k.Root)
			}
			if err := copyFile(f[1], filepath.Join(stage, rel), 0o644); err != nil {
				return err
			}
		}
	}
	md := filepath.Join("lib", "modules", k.Version)
	for _, meta := range []string{"modules.order", "modules.builtin", "modules.builtin.modinfo"} {
		if _, err := os.Stat(filepath.Join(k.Root, md, meta)); err == nil {
			if err := copyFile(filepath.Join(k.Root, md, meta), filepath.Join(stage, md, meta), 0o644); err != nil {
				return err
			}
		}
	}
	_, err := output(ctx, "", "depmod", "-b", stage, k.Version)
	return err
}

func (b Initramfs) initScript() string {
	var s strings.Builder
	s.WriteString(`#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
`)
	for _, m := range b.Modules {
		fmt.Fprintf(&s, "modprobe %s || echo '%smodprobe %s failed'\n", m, OutputPrefix, m)
	}
	s.WriteString("cd /tmp\n(")
	for i, a := range b.Command {
		if i > 0 {
			s.WriteByte(' ')
		}
		s.WriteString(shellQuote(a))
	}
	fmt.Fprintf(&s, " 2>&1; echo $? > /tmp/.rc) | sed 's/^/%s/'\n", OutputPrefix)
	fmt.Fprintf(&s, "echo \"%s$(cat /tmp/.rc)\"\n", ExitMarker)
	s.WriteString("poweroff -f\n")
	return s.String()
}

func shellQuote(a string) string {
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

func copyFile(src, dst string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("vm: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("vm: copy %s: %w", src, err)
	}
	return out.Close()
}
