package sim

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
)

func shellNode(t *testing.T) (*World, *node) {
	t.Helper()
	w := NewWorld(Options{Seed: 1})
	must(t, w.AddSegment("lan"))
	must(t, w.AddNode("lvs1", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.50/24")}}))
	must(t, w.AddNode("lvs2", Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.51/24")}}))
	return w, w.nodes["lvs1"]
}

// Seed 000's chk_down, in both spellings the seed uses, runs as written
// against the node's own files.
func TestShellSeedScript(t *testing.T) {
	w, n := shellNode(t)
	for _, script := range []string{
		`[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0`,
		`[[ -f /etc/keepalived/down ]]&& exit 1||exit 0`,
	} {
		if r := n.runShell(script, nil); r.exit != 0 || r.err != nil {
			t.Errorf("%q without the file: exit %d err %v stderr %q", script, r.exit, r.err, r.stderr)
		}
		must(t, w.WriteFile("lvs2", "/etc/keepalived/down", nil))
		if r := n.runShell(script, nil); r.exit != 0 {
			t.Errorf("%q: lvs2's file is visible on lvs1", script)
		}
		must(t, w.WriteFile("lvs1", "/etc/keepalived/down", nil))
		if r := n.runShell(script, nil); r.exit != 1 {
			t.Errorf("%q with the file: exit %d, want 1 (stderr %q)", script, r.exit, r.stderr)
		}
		must(t, w.RemoveFile("lvs1", "/etc/keepalived/down"))
		must(t, w.RemoveFile("lvs2", "/etc/keepalived/down"))
	}
}

func TestShellExecutables(t *testing.T) {
	w, n := shellNode(t)
	must(t, w.WriteExecutable("lvs1", "/etc/keepalived/notify.sh", []byte("#!/bin/bash\necho \"$1 $2 $3 $4\" >> /tmp/notify.log\n[ \"$3\" = FAULT ] && exit 3\nexit 0\n")))
	must(t, w.WriteFile("lvs1", "/etc/keepalived/plain.sh", []byte("exit 0\n")))
	cases := []struct {
		cmd    string
		args   []string
		exit   int
		stderr string
	}{
		{"/etc/keepalived/notify.sh", []string{"INSTANCE", "VI_1", "MASTER", "100"}, 0, ""},
		{"/etc/keepalived/notify.sh", []string{"INSTANCE", "VI_1", "FAULT", "100"}, 3, ""},
		{"/etc/keepalived/plain.sh", nil, 126, "Permission denied"},
		{"/server/scripts/check_www.sh", nil, 127, "No such file"},
		{"curl -s http://10.0.0.3/", nil, 127, "command not found"},
		{"killall -0 nginx", nil, 1, ""},
		{"touch /tmp/x && cat /tmp/x && rm /tmp/x", nil, 0, ""},
	}
	for _, c := range cases {
		r := n.runShell(c.cmd, c.args)
		if r.exit != c.exit || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%s %v: exit %d stderr %q, want %d %q", c.cmd, c.args, r.exit, r.stderr, c.exit, c.stderr)
		}
	}
	b, err := w.ReadFile("lvs1", "/tmp/notify.log")
	if err != nil || string(b) != "INSTANCE VI_1 MASTER 100\nINSTANCE VI_1 FAULT 100\n" {
		t.Errorf("notify.log = %q, %v", b, err)
	}
}

// keepalived: a script still running at `timeout` counts as a failure.
// `sleep` advances the script's virtual runtime.
func TestShellSleepTimeout(t *testing.T) {
	w, n := shellNode(t)
	runRecorder(n, &recorder{w: w})
	p := &platform{n: n, gen: n.gen}
	var got []daemon.ScriptResult
	var at []time.Duration
	done := func(r daemon.ScriptResult) { got, at = append(got, r), append(at, w.now) }
	p.RunScript(daemon.ScriptRequest{Kind: daemon.ScriptCheck, Cmd: "sleep 5; exit 0", Timeout: 2 * time.Second}, done)
	p.RunScript(daemon.ScriptRequest{Kind: daemon.ScriptCheck, Cmd: "sleep 0.5; exit 4", Timeout: 2 * time.Second}, done)
	w.RunFor(3 * time.Second)
	if len(got) != 2 {
		t.Fatalf("results %v", got)
	}
	if got[0].ExitCode != 4 || at[0] != 500*time.Millisecond+DefaultScriptRuntime {
		t.Errorf("sleep 0.5: %+v at %v", got[0], at[0])
	}
	if !got[1].TimedOut || got[1].OK() || at[1] != 2*time.Second {
		t.Errorf("sleep 5 with timeout 2: %+v at %v, want timed out at 2s", got[1], at[1])
	}
}

// Pipelines run their sides concurrently inside the interpreter; the
// node's files and the script's output must stay consistent (go test -race).
func TestShellPipeline(t *testing.T) {
	w, n := shellNode(t)
	must(t, w.WriteFile("lvs1", "/etc/hosts", []byte("10.0.0.50 lvs1\n")))
	r := n.runShell(`echo a > /tmp/a | cat /etc/hosts | grep -q lvs1 2>/dev/null; touch /tmp/b | echo b >&2; cat /tmp/a`, nil)
	if r.exit != 0 || r.stdout != "a\n" {
		t.Errorf("exit %d stdout %q stderr %q", r.exit, r.stdout, r.stderr)
	}
}

// Process utilities: seed 004's check_www.sh as written (a loop over
// `ps -ef |grep nginx |grep -v grep |wc -l` that stops keepalived when
// nginx is gone). With nginx running it never ends (stopped as a timeout,
// deterministically); without nginx it stops the node's keepalived.
func TestShellCheckWWW(t *testing.T) {
	w := e1World(t, Options{Seed: 1})
	waitHolders(t, w, "lvs1", 5*time.Second)
	script := "#!/bin/bash\n\nwhile true\ndo\nif [ `ps -ef |grep nginx |grep -v grep |wc -l` -lt 2 ]\nthen\n   /etc/init.d/keepalived stop\n   exit\nfi\ndone\n"
	must(t, w.WriteExecutable("lvs1", "/server/scripts/check_www.sh", []byte(script)))
	must(t, w.StartProcess("lvs1", "nginx"))
	n := w.nodes["lvs1"]
	r := n.runShell("/server/scripts/check_www.sh", nil)
	if !r.timedOut {
		t.Fatalf("with nginx running the loop ended: %+v", r)
	}
	if r := n.runShell("pidof nginx && systemctl is-active nginx && killall -0 nginx", nil); r.exit != 0 {
		t.Errorf("nginx checks: %+v", r)
	}
	must(t, w.StopProcess("lvs1", "nginx"))
	if r := n.runShell("/server/scripts/check_www.sh", nil); r.timedOut || r.exit != 0 {
		t.Fatalf("without nginx: %+v", r)
	}
	w.RunFor(time.Millisecond)
	if w.DaemonRunning("lvs1") {
		t.Fatal("/etc/init.d/keepalived stop did not stop the daemon")
	}
	waitHolders(t, w, "lvs2", time.Second)
}
