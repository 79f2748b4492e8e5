package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios"
)

const pair = `node a eth0@lan 10.0.0.1/24
node b eth0@lan 10.0.0.2/24
config a <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 150
    advert_int 1
    virtual_ipaddress {
        10.0.0.3
    }
}
EOF
config b <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.3
    }
}
EOF
start a b
`

// The exit status contract: 0 all pass, 1 some expectation failed, 2 usage
// or parse error (including expectations the simulator cannot check).
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, body string
		want       int
		out        string
	}{
		{"pass.scn", pair + "vip 10.0.0.3 on a within 4s\n", 0, "PASS"},
		{"fail.scn", pair + "vip 10.0.0.3 on b within 4s\n", 1, "FAIL"},
		{"xfail.scn", pair + "xfail vip 10.0.0.3 on b within 4s\n", 0, "XFAIL"},
		{"xpass.scn", pair + "xfail vip 10.0.0.3 on a within 4s\n", 1, "XPASS"},
		{"parse.scn", pair + "vip 10.0.0.3 under a\n", 2, "parse.scn:26:"},
		// The simulator checks IPVS tables: a has none (its config has no virtual_server).
		{"ipvs.scn", pair + "ipvs a has 10.0.0.3:80 -> 10.0.0.91:80 route 1\n", 1, "observed a has no such service; its table: empty"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		got := run(context.Background(), []string{"run", write(c.name, c.body)}, &out, &errb)
		if got != c.want || !strings.Contains(out.String()+errb.String(), c.out) {
			t.Errorf("%s: exit %d (want %d), output:\n%s%s", c.name, got, c.want, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if got := run(context.Background(), []string{"frobnicate"}, &out, &errb); got != 2 {
		t.Errorf("unknown command: exit %d, want 2", got)
	}
	if got := run(context.Background(), []string{"run", dir + "/..."}, &out, &errb); got != 2 {
		t.Errorf("a directory with a parse error: exit %d, want 2", got)
	}
	if got := run(context.Background(), []string{"run", "--backend", "netns", dir}, &out, &errb); got != 2 {
		t.Errorf("--backend netns: exit %d, want 2", got)
	}
	// --pcap writes one capture per segment, holding the adverts.
	pdir := t.TempDir()
	if got := run(context.Background(), []string{"run", "--quiet", "--pcap", pdir, filepath.Join(dir, "pass.scn")}, &out, &errb); got != 0 {
		t.Fatalf("--pcap: exit %d: %s", got, errb.String())
	}
	if st, err := os.Stat(filepath.Join(pdir, "pass-lan.pcap")); err != nil || st.Size() < 100 {
		t.Errorf("--pcap: %v, %v", st, err)
	}
}

// finishes fails the test if fn has not returned within a generous
// wall-clock deadline: these arguments used to hang or run for hours.
func finishes(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not return within 30s", what)
	}
}

// vrrplab run reads only regular files: a FIFO (which used to block until
// a writer came), a device or an oversized file is an error, exit 2.
func TestRunRegularFilesOnly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.scn")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.scn")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, scenarios.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ arg, want string }{
		{fifo, "not a regular file (a FIFO)"},
		{os.DevNull, "not a regular file (a device)"},
		{big, "a scenario file may have"},
		{dir + "/...", "not a regular file (a FIFO)"},
	} {
		finishes(t, "vrrplab run "+c.arg, func() {
			var out, errb bytes.Buffer
			if got := run(context.Background(), []string{"run", c.arg}, &out, &errb); got != 2 || !strings.Contains(errb.String(), c.want) {
				t.Errorf("vrrplab run %s: exit %d (want 2), stderr %q (want %q)", c.arg, got, errb.String(), c.want)
			}
		})
	}
	if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close() // unblock a reader the old code left waiting
	}
}

// vrrplab sweep refuses parameters that make no sense, before running
// anything: a negative delay used to be ignored silently, a huge run count
// or duration to run for hours.
func TestSweepParameters(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--delay", "-1s"}, "delay -1s"},
		{[]string{"--delay", "2h"}, "delay 2h0m0s"},
		{[]string{"--runs", "1000000"}, "runs 1000000"},
		{[]string{"--duration", "1000000h"}, "duration 1000000h0m0s"},
		{[]string{"--duration", "-5m"}, "usage"},
		{[]string{"--runs", "0"}, "usage"},
	} {
		finishes(t, "vrrplab sweep", func() {
			var out, errb bytes.Buffer
			if got := run(context.Background(), append([]string{"sweep"}, c.args...), &out, &errb); got != 2 || !strings.Contains(errb.String(), c.want) {
				t.Errorf("vrrplab sweep %v: exit %d (want 2), stderr %q (want %q)", c.args, got, errb.String(), c.want)
			}
		})
	}
}
