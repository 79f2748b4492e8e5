package config

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// splitCases are script lines as written in keepalived.conf and the
// arguments keepalived 2.2.7 runs, recorded from its -d dump ("Command =
// '...' '...'") in a private network namespace (TestSplitCommandLive
// re-records them when it can). nil: keepalived refuses the script ("No
// script set for vrrp_script ... - removing").
var splitCases = []struct {
	line string // the script keyword's value, quotes included
	want []string
}{
	{`"/usr/bin/echo a b"`, []string{"/usr/bin/echo", "a", "b"}},
	{`"/usr/bin/echo 'a b' c"`, []string{"/usr/bin/echo", "a b", "c"}},
	{`"/usr/bin/echo a\\tb"`, []string{"/usr/bin/echo", "a\tb"}},
	{`"/usr/bin/echo 'a\\nb'"`, []string{"/usr/bin/echo", "a\nb"}},
	{`"/usr/bin/echo x'y z'w"`, []string{"/usr/bin/echo", "xy zw"}},
	{`"/usr/bin/echo \\x41\\x4142"`, []string{"/usr/bin/echo", "AB"}},
	{`"/usr/bin/echo \\101\\1010"`, []string{"/usr/bin/echo", "AA0"}},
	{`"/usr/bin/echo \\e"`, []string{"/usr/bin/echo", "e"}},
	{`"/usr/bin/echo a\\ b"`, []string{"/usr/bin/echo", "a b"}},
	{`"/usr/bin/echo \\'a b\\'"`, []string{"/usr/bin/echo", "'a", "b'"}},
	{`"/usr/bin/echo ''"`, []string{"/usr/bin/echo", ""}},
	{`"/usr/bin/echo 'a"`, nil},
	{`"/usr/bin/echo a\\"`, nil},
	// An escaped blank does not separate words: one word, no such program.
	{`"/usr/bin/echo\\ta"`, []string{"/usr/bin/echo\ta"}},
	{`"/usr/bin/echo   a    b"`, []string{"/usr/bin/echo", "a", "b"}},
	{`"/usr/bin/echo a\\\\b"`, []string{"/usr/bin/echo", `a\b`}},
	{`"/usr/bin/echo "`, []string{"/usr/bin/echo"}},
	{`"/usr/bin/echo 'it''s'"`, []string{"/usr/bin/echo", "its"}},
	{`"/usr/bin/echo 'a\\'b'"`, []string{"/usr/bin/echo", "a'b"}},
	{`"/usr/bin/echo \\q\\c"`, []string{"/usr/bin/echo", "qc"}},
	{`"/usr/bin/echo \\x\\xg"`, []string{"/usr/bin/echo", "xxg"}},
}

// keepalived.conf(5) "Quoted strings" / lib/notify.c: a script command is
// split as keepalived 2.2.7 splits it, the model's command line going
// through both of keepalived's passes.
func TestSplitCommandKeepalived(t *testing.T) {
	for i, tc := range splitCases {
		src := fmt.Sprintf("vrrp_script s%02d {\n    script %s\n}\n", i, tc.line)
		cfg, ds, _ := Parse("t.conf", []byte(src), Options{})
		if len(cfg.Scripts) != 1 {
			t.Fatalf("%s: no script\n%s", tc.line, ds)
		}
		got, err := SplitCommand(cfg.Scripts[0].Script)
		if tc.want == nil {
			if err == nil {
				t.Errorf("%s: %q accepted, keepalived refuses it", tc.line, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: SplitCommand(%q) = %q, %v; keepalived runs %q", tc.line, cfg.Scripts[0].Script, got, err, tc.want)
		}
	}
	// notify scripts: the quoted command, then the user.
	cfg, ds, _ := Parse("t.conf", []byte("vrrp_instance V {\n notify_master \"/usr/bin/echo m 'x y'\" root\n}\n"), Options{})
	n := cfg.Instances[0].NotifyMaster
	if got, err := SplitCommand(n.Command); err != nil || !slices.Equal(got, []string{"/usr/bin/echo", "m", "x y"}) || n.User != "root" {
		t.Errorf("notify_master: %q %v user %q\n%s", got, err, n.User, ds)
	}
	for _, bad := range []string{"", "   ", `a "b"`} {
		if got, err := SplitCommand(bad); err == nil {
			t.Errorf("SplitCommand(%q) = %q, want an error", bad, got)
		}
	}
}

// One pass of keepalived's splitter, the examples of keepalived.conf(5)
// "Quoted strings".
func TestSplitQuotedEscaped(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`/bin/check arg1 arg2`, []string{"/bin/check", "arg1", "arg2"}},
		{`abcd" efg h jkl "mnop`, []string{"abcd efg h jkl mnop"}},
		{`abcd "efg h jkl" mnop`, []string{"abcd", "efg h jkl", "mnop"}},
		{`"a\"b" 'c\'d'`, []string{`a"b`, `c'd`}},
		{`\x41\x0041 \cA \0end`, []string{"AA", "\x01", ""}},
		{"a\v\fb", []string{"a", "b"}},
		{`  `, nil},
	} {
		got, err := splitQuotedEscaped(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("splitQuotedEscaped(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestSplitCommandLive runs the real keepalived 2.2.7 (root, installed, a
// private network namespace) on splitCases and checks that its -d dump
// still shows the recorded arguments.
func TestSplitCommandLive(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/keepalived"); err != nil {
		t.Skip("keepalived not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a private network namespace")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	ns := fmt.Sprintf("gkcfg-split-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	if out, err := exec.Command("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0").CombinedOutput(); err != nil {
		t.Skipf("cannot create veth: %v %s", err, out)
	}
	_ = exec.Command("ip", "-n", ns, "link", "set", "eth0", "up").Run()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("global_defs {\n    enable_script_security\n    script_user root\n}\n")
	for i, tc := range splitCases {
		fmt.Fprintf(&b, "vrrp_script s%02d {\n    script %s\n}\n", i, tc.line)
	}
	b.WriteString("vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 5\n    virtual_ipaddress {\n        10.0.0.1\n    }\n    track_script {\n")
	for i := range splitCases {
		fmt.Fprintf(&b, "        s%02d\n", i)
	}
	b.WriteString("    }\n}\n")
	conf := filepath.Join(dir, "split.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "/usr/sbin/keepalived", "-n", "-l", "-D", "-d", "-P", "-f", conf,
		"-p", filepath.Join(dir, "p"), "-r", filepath.Join(dir, "r"), "-c", filepath.Join(dir, "c"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	t.Cleanup(func() {
		// SIGTERM: keepalived stops its VRRP child and exits.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-stopped
		}
	})
	// The dump is complete when the last script's command is printed; a
	// deadline guards against a keepalived that never prints it.
	last := fmt.Sprintf("VRRP Script = s%02d", len(splitCases)-1)
	stamp := regexp.MustCompile(`^\w{3} \w{3} [ \d]\d [\d:]{8} \d{4}: `)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- stamp.ReplaceAllString(sc.Text(), "")
		}
		close(lines)
		_ = cmd.Wait()
		close(stopped)
	}()
	var msgs []string
	deadline := time.After(20 * time.Second)
	seenLast := false
collect:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				break collect
			}
			msgs = append(msgs, strings.TrimSpace(l))
			if seenLast && strings.HasPrefix(strings.TrimSpace(l), "Command = ") {
				break collect
			}
			seenLast = seenLast || strings.TrimSpace(l) == last
		case <-deadline:
			t.Fatalf("keepalived did not dump its scripts in time:\n%s", strings.Join(msgs, "\n"))
		}
	}
	go func() {
		for range lines { // drain until keepalived exits
		}
	}()
	all := strings.Join(msgs, "\n")
	for i, tc := range splitCases {
		name := fmt.Sprintf("s%02d", i)
		if tc.want == nil {
			if !strings.Contains(all, "No script set for vrrp_script "+name+" - removing") {
				t.Errorf("%s %s: keepalived no longer refuses it:\n%s", name, tc.line, all)
			}
			continue
		}
		if strings.ContainsRune(strings.Join(tc.want, ""), '\n') || strings.ContainsRune(tc.want[0], '\t') {
			continue // printed across lines, or disabled as not found
		}
		j := slices.Index(msgs, "VRRP Script = "+name)
		want := "Command = " + cmdStr(tc.want)
		if j < 0 || j+1 >= len(msgs) || msgs[j+1] != want {
			got := ""
			if j >= 0 && j+1 < len(msgs) {
				got = msgs[j+1]
			}
			t.Errorf("%s %s: keepalived prints %q, recorded %q", name, tc.line, got, want)
		}
	}
}

// cmdStr is keepalived's cmd_str_r rendering of arguments.
func cmdStr(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + a + "'"
	}
	return strings.Join(q, " ")
}
