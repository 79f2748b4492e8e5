package vm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/netns/vm"
)

// TestIPVSInVM boots a Debian cloud kernel under qemu (software
// emulation), runs daemon/ipvs's own tests inside it against the real
// IPVS, and reports their verdict and the time spent.
func TestIPVSInVM(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the VM tier boots a kernel")
	}
	if m := vm.Missing(); len(m) > 0 {
		t.Skipf("VM tier needs %s (netns/vm/install-deps.sh)", strings.Join(m, ", "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	work := t.TempDir()
	bin := filepath.Join(work, "ipvs.test")
	start := time.Now()
	require.NoError(t, vm.BuildStatic(ctx, "github.com/gokeepalived/gokeepalived/daemon/ipvs", bin, true))
	build := time.Since(start)

	res, tm, err := vm.RunSpec(ctx, vm.Spec{
		WorkDir: work,
		Files:   []vm.File{{Src: bin, Dst: "/test/ipvs.test"}},
		Command: []string{"/test/ipvs.test", "-test.v", "-test.count=1"},
	})
	out := strings.Join(res.Output, "\n")
	t.Logf("VM tier wall time: build %v, %s; total %v", build.Round(time.Millisecond), tm, time.Since(start).Round(time.Millisecond))
	require.NoError(t, err, "output:\n%s", out)
	t.Logf("inside the VM:\n%s", out)
	require.Equal(t, 0, res.ExitCode, "daemon/ipvs tests failed in the VM")
	require.Contains(t, out, "--- PASS: TestKernelIPVS", "the kernel test must run, not skip")
	require.NotContains(t, out, "modprobe ip_vs failed")
}

// The console parser finds the marked lines and the exit status among
// kernel messages.
func TestParseConsoleMarkers(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	// Run qemu's stand-in: a shell that prints what a guest would.
	res, err := vm.RunFake(context.Background(), "printf 'Linux version 6.1\\r\\n"+vm.OutputPrefix+"=== RUN TestX\\r\\n[    2.1] random: crng init done\\r\\n"+vm.OutputPrefix+"PASS\\r\\n"+vm.ExitMarker+"3\\r\\n'")
	require.NoError(t, err)
	require.Equal(t, []string{"=== RUN TestX", "PASS"}, res.Output)
	require.Equal(t, 3, res.ExitCode)
	_, err = vm.RunFake(context.Background(), "echo 'Kernel panic - not syncing'")
	require.ErrorContains(t, err, "powered off without an exit status")
}
