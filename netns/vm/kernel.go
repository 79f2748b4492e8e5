package vm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MetaPackage is the Debian package whose dependency names the current
// cloud kernel (small, with ip_vs, netem, veth, bridge as modules).
const MetaPackage = "linux-image-cloud-amd64"

// Kernel is an extracted Debian kernel.
type Kernel struct {
	// Package is the versioned package (linux-image-6.1.0-57-cloud-amd64).
	Package string `json:"package"`
	// Version is the module directory name (6.1.0-57-cloud-amd64).
	Version string `json:"version"`
	// Root holds the extracted package: Root/boot, Root/lib/modules/VERSION.
	Root string `json:"root"`
	// Vmlinuz is the kernel image.
	Vmlinuz string `json:"vmlinuz"`
}

// ModulesDir is Root/lib/modules/Version.
func (k Kernel) ModulesDir() string { return filepath.Join(k.Root, "lib", "modules", k.Version) }

// CacheDir is where the VM tier keeps what it fetches:
// $XDG_CACHE_HOME/gokeepalived/vm, else ~/.cache/gokeepalived/vm.
func CacheDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("vm: no cache directory: %w", err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "gokeepalived", "vm"), nil
}

// FetchKernel returns the cached kernel under cache, fetching it first if
// needed: apt-get download the meta package, read its Depends for the
// versioned package, apt-get download that, dpkg-deb -x it, depmod.
// It needs apt lists (apt-get update, see install-deps.sh).
func FetchKernel(ctx context.Context, cache string) (Kernel, error) {
	meta := filepath.Join(cache, "kernel.json")
	if k, err := loadKernel(meta); err == nil {
		return k, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return Kernel{}, fmt.Errorf("vm: %w", err)
	}
	dl, err := os.MkdirTemp(cache, "download-")
	if err != nil {
		return Kernel{}, fmt.Errorf("vm: %w", err)
	}
	defer os.RemoveAll(dl)

	metaDeb, err := aptDownload(ctx, dl, MetaPackage)
	if err != nil {
		return Kernel{}, err
	}
	deps, err := output(ctx, "", "dpkg-deb", "-f", metaDeb, "Depends")
	if err != nil {
		return Kernel{}, err
	}
	pkg, err := kernelPackage(deps)
	if err != nil {
		return Kernel{}, fmt.Errorf("vm: %s Depends %q: %w", MetaPackage, deps, err)
	}
	deb, err := aptDownload(ctx, dl, pkg)
	if err != nil {
		return Kernel{}, err
	}
	root := filepath.Join(dl, "root")
	if _, err := output(ctx, "", "dpkg-deb", "-x", deb, root); err != nil {
		return Kernel{}, err
	}
	images, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	if len(images) != 1 {
		return Kernel{}, fmt.Errorf("vm: %s: expected one boot/vmlinuz-*, found %d", pkg, len(images))
	}
	version := strings.TrimPrefix(filepath.Base(images[0]), "vmlinuz-")
	if _, err := output(ctx, "", "depmod", "-b", root, version); err != nil {
		return Kernel{}, err
	}
	final := filepath.Join(cache, pkg)
	_ = os.RemoveAll(final)
	if err := os.Rename(root, final); err != nil {
		return Kernel{}, fmt.Errorf("vm: %w", err)
	}
	k := Kernel{Package: pkg, Version: version, Root: final, Vmlinuz: filepath.Join(final, "boot", "vmlinuz-"+version)}
	b, _ := json.MarshalIndent(k, "", "  ")
	if err := os.WriteFile(meta, b, 0o644); err != nil {
		return Kernel{}, fmt.Errorf("vm: %w", err)
	}
	return k, nil
}

func loadKernel(path string) (Kernel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Kernel{}, err
	}
	var k Kernel
	if err := json.Unmarshal(b, &k); err != nil {
		return Kernel{}, err
	}
	if _, err := os.Stat(k.Vmlinuz); err != nil {
		return Kernel{}, err
	}
	if _, err := os.Stat(filepath.Join(k.ModulesDir(), "modules.dep")); err != nil {
		return Kernel{}, err
	}
	return k, nil
}

// kernelPackage picks linux-image-VERSION out of a Depends field
// ("linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3)").
func kernelPackage(depends string) (string, error) {
	for _, alt := range strings.Split(depends, ",") {
		for _, dep := range strings.Split(alt, "|") {
			name, _, _ := strings.Cut(strings.TrimSpace(dep), " ")
			if strings.HasPrefix(name, "linux-image-") && name != MetaPackage {
				return name, nil
			}
		}
	}
	return "", errors.New("no linux-image-* dependency")
}

// aptDownload fetches one package's .deb into dir and returns its path.
func aptDownload(ctx context.Context, dir, pkg string) (string, error) {
	if _, err := output(ctx, dir, "apt-get", "download", pkg); err != nil {
		return "", fmt.Errorf("%w (apt lists missing? run netns/vm/install-deps.sh)", err)
	}
	debs, _ := filepath.Glob(filepath.Join(dir, pkg+"_*.deb"))
	if len(debs) != 1 {
		return "", fmt.Errorf("vm: apt-get download %s: expected one .deb, found %d", pkg, len(debs))
	}
	return debs[0], nil
}

// output runs a command and returns its standard output; the error carries
// the command line and its standard error.
func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("vm: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
