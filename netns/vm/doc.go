// Package vm is gokeepalived's VM tier: a real IPVS (and netem) kernel in
// the test loop on hosts whose own kernel has neither.
//
// FetchKernel downloads a Debian cloud kernel with apt-get download
// (linux-image-cloud-amd64 → the versioned package it depends on),
// extracts it with dpkg-deb and runs depmod, caching it under
// $XDG_CACHE_HOME/gokeepalived/vm (or ~/.cache/...). Initramfs builds a
// gzip'd cpio image with busybox-static, the requested modules and their
// dependencies (modprobe --show-depends), statically linked Go binaries
// (BuildStatic: CGO_ENABLED=0) and an /init that loads the modules, runs
// one command with every output line marked (OutputPrefix) and its exit
// status reported (ExitMarker), then powers off. Run boots it with
//
//	qemu-system-x86_64 -accel tcg -m 512 -kernel … -initrd … \
//	    -append "console=ttyS0 quiet panic=-1" -nographic -no-reboot
//
// (software emulation always: KVM guests hang on these machines) and
// returns the marked output and exit status. RunSpec does all three and
// says where the time went. install-deps.sh installs the host packages
// (qemu-system-x86 busybox-static cpio kmod) for CI.
//
// This package only prepares and runs VMs: it must never change the
// host's network configuration, load host kernel modules, or leave a qemu
// process behind (qemu runs under the caller's context and is killed with
// it).
package vm
