package config

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestInvalidCorpus: each file under testdata/invalid has one mistake and
// names, on its first line, the diagnostic gokeepalived must give
// ("# want: SEVERITY LINE KEYWORD"). Every diagnostic names file:line:col.
func TestInvalidCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.conf")
	if err != nil || len(files) < 40 {
		t.Fatalf("want at least 40 invalid configs, have %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(src), "\n")
			var sev, kw string
			var line int
			if _, err := fmt.Sscanf(first, "# want: %s %d %s", &sev, &line, &kw); err != nil {
				t.Fatalf("bad header %q: %v", first, err)
			}
			if kw == "-" {
				kw = ""
			}
			want := Warning
			if sev == "error" {
				want = Error
			}
			_, ds, err := Parse(f, src, Options{})
			if (err != nil) != (want == Error) {
				t.Errorf("error = %v, want severity %s", err, sev)
			}
			if !hasDiag(ds, want, line, kw) {
				t.Errorf("want %s at line %d keyword %q, got:\n%s", sev, line, kw, ds)
			}
			for _, d := range ds {
				if d.Pos.File != f || d.Pos.Line < 1 || d.Pos.Col < 1 {
					t.Errorf("diagnostic without file:line:col: %s", d)
				}
			}
		})
	}
}

// kaRecord is keepalived 2.2.7's recorded -t verdict for one file.
type kaRecord struct {
	rc    int
	lines map[int][]string // config line → messages
	msgs  []string
}

var kaLineRE = regexp.MustCompile(`^\((?:[^:]*: )?Line (\d+)\) (.*)$`)

func readKARecord(t *testing.T, path string) kaRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("recorded keepalived output: %v (run testdata/record-keepalived.sh)", err)
	}
	defer f.Close()
	r := kaRecord{lines: map[int][]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if rc, ok := strings.CutPrefix(l, "rc "); ok {
			r.rc, _ = strconv.Atoi(rc)
			continue
		}
		r.msgs = append(r.msgs, l)
		if m := kaLineRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			r.lines[n] = append(r.lines[n], m[2])
		}
	}
	return r
}

// seedDifferences are the lines where our diagnostics deliberately differ
// from keepalived 2.2.7's (docs/config-reference.md, "Deliberate
// differences"). A negative line is a diagnostic only we give.
var seedDifferences = map[string]map[int]string{
	"001-e4-master.conf": {29: "persistence_timeout 0 accepted: no persistence"},
	"001-e4-slave.conf":  {29: "persistence_timeout 0 accepted: no persistence"},
	"002-e5-lvs1.conf": {17: "vrrp_garp_interval 0 accepted", 18: "vrrp_gna_interval 0 accepted",
		55: "persistence_timeout 0 accepted", 84: "persistence_timeout 0 accepted",
		-79: "duplicate virtual_server merged with a warning (keepalived merges silently)"},
	"002-e5-lvs2.conf": {17: "vrrp_garp_interval 0 accepted", 18: "vrrp_gna_interval 0 accepted",
		55: "persistence_timeout 0 accepted", 84: "persistence_timeout 0 accepted",
		-79: "duplicate virtual_server merged with a warning"},
	"004-e10-check-lb01.conf": {-8: "script line: trailing text and typographic quote are named"},
}

// TestKeepalivedRecorded compares our verdict with keepalived 2.2.7's
// recorded -t output: the same lines get diagnostics (except the
// documented deliberate differences), and the verdict (exit non-zero)
// agrees for the invalid corpus except where documented.
func TestKeepalivedRecorded(t *testing.T) {
	seeds, _ := filepath.Glob("testdata/seeds/*.conf")
	valid, _ := filepath.Glob("testdata/valid/*.conf")
	for _, f := range append(seeds, valid...) {
		base := filepath.Base(f)
		dir := filepath.Base(filepath.Dir(f))
		t.Run(dir+"/"+base, func(t *testing.T) {
			rec := readKARecord(t, filepath.Join("testdata", "keepalived", dir, base+".txt"))
			_, ds, _ := Load(f, Options{})
			if dir == "valid" {
				// Our own configs: same lines, same exit status.
				if got := testStatus(ds); got != rec.rc {
					t.Errorf("exit status %d, keepalived %d\n%s", got, rec.rc, ds)
				}
			}
			if hasDiag(ds, Warning, 1, "") && strings.HasPrefix(base, "000-") {
				// Every line of seed 000 is an unknown keyword for
				// keepalived (U+00A0); we read them with one warning.
				if len(rec.lines) < 20 {
					t.Errorf("keepalived was expected to reject every line, recorded %d", len(rec.lines))
				}
				return
			}
			diff := seedDifferences[base]
			ours := map[int]bool{}
			for _, d := range ds {
				ours[d.Pos.Line] = true
			}
			for line, msgs := range rec.lines {
				if !ours[line] && diff[line] == "" {
					t.Errorf("keepalived reports line %d (%q), we do not:\n%s", line, msgs, ds)
				}
			}
			for _, d := range ds {
				if d.Keyword == "enable_script_security" || d.Keyword == "vrrp_sync_group" || d.Keyword == "track_interface" {
					continue // keepalived prints these without a line number
				}
				if d.Code == CodeNotImplemented {
					continue // ours alone: keepalived implements the keyword
				}
				if _, ok := rec.lines[d.Pos.Line]; !ok && diff[-d.Pos.Line] == "" && !lineless(rec, d) {
					t.Errorf("we report %s; keepalived has nothing on that line", d)
				}
			}
		})
	}
	// Verdicts on the invalid corpus: keepalived -t exits non-zero too,
	// except for these deliberate differences.
	agreeExcept := map[string]string{
		"16-vip-label-prefix.conf":    "keepalived accepts a label not starting with the interface name; we warn",
		"52-vs-group-missing.conf":    "keepalived silently drops a virtual_server naming a missing group; we reject it",
		"53-vs-duplicate-merged.conf": "keepalived merges silently; we merge with a warning",
		"57-include-missing.conf":     "keepalived logs the missing include but exits 0; we warn (exit 5)",
	}
	inv, _ := filepath.Glob("testdata/invalid/*.conf")
	for _, f := range inv {
		base := filepath.Base(f)
		rec := readKARecord(t, filepath.Join("testdata", "keepalived", "invalid", base+".txt"))
		_, ds, _ := Load(f, Options{})
		ourBad := len(ds) > 0
		kaBad := rec.rc != 0
		if ourBad != kaBad && agreeExcept[base] == "" {
			t.Errorf("%s: keepalived rc %d, we give %d diagnostics:\n%s", base, rec.rc, len(ds), ds)
		}
		if ourBad == kaBad && agreeExcept[base] != "" {
			t.Errorf("%s: listed as a difference but the verdicts agree", base)
		}
	}
}

// lineless: keepalived printed the same complaint without a line number
// (instance-level checks made after parsing).
func lineless(rec kaRecord, d Diagnostic) bool {
	for _, m := range rec.msgs {
		if !strings.HasPrefix(m, "(") || strings.HasPrefix(m, "(VI_") || strings.HasPrefix(m, "(inside_network)") {
			if strings.Contains(strings.ToLower(m), strings.ToLower(firstWords(d.Msg, 3))) {
				return true
			}
		}
	}
	return false
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

// TestKeepalivedLive runs the real keepalived -t (Debian's 2.2.7) when it is
// installed and a private network namespace can be made: the recorded
// output must still be what keepalived says, and keepalived must accept
// our canonical dump (-d) of every seed without any complaint the seed
// itself did not already cause.
func TestKeepalivedLive(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/keepalived"); err != nil {
		t.Skip("keepalived not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a private network namespace")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	ns := fmt.Sprintf("gkcfg-test-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	for i := 0; i < 3; i++ {
		if out, err := exec.Command("ip", "-n", ns, "link", "add", fmt.Sprintf("eth%d", i), "type", "veth", "peer", "name", fmt.Sprintf("peer%d", i)).CombinedOutput(); err != nil {
			t.Skipf("cannot create veth: %v %s", err, out)
		}
		_ = exec.Command("ip", "-n", ns, "link", "set", fmt.Sprintf("eth%d", i), "up").Run()
		_ = exec.Command("ip", "-n", ns, "link", "set", fmt.Sprintf("peer%d", i), "up").Run()
	}
	dir := t.TempDir()
	run := func(dirOf, file string) (int, []string) {
		cmd := exec.Command("ip", "netns", "exec", ns, "/usr/sbin/keepalived", "-t", "-l", "-n", "-f", file,
			"-p", filepath.Join(dir, "p"), "-r", filepath.Join(dir, "r"), "-c", filepath.Join(dir, "c"), "-b", filepath.Join(dir, "b"))
		cmd.Dir = dirOf
		out, _ := cmd.CombinedOutput()
		var msgs []string
		for _, l := range strings.Split(string(out), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				msgs = append(msgs, l)
			}
		}
		return cmd.ProcessState.ExitCode(), msgs
	}
	// Messages the dump may add: seed 000 is unreadable for keepalived
	// (U+00A0), so what its values cause only shows up in the dump.
	dumpMayAdd := []string{"Truncating auth_pass to 8 characters", "Disabling track script"}
	seeds, _ := filepath.Glob("testdata/seeds/*.conf")
	valid, _ := filepath.Glob("testdata/valid/*.conf")
	checked := 0
	for _, f := range append(seeds, valid...) {
		base := filepath.Base(f)
		sub := filepath.Base(filepath.Dir(f))
		rc, msgs := run("testdata", filepath.Join(sub, base))
		rec := readKARecord(t, filepath.Join("testdata", "keepalived", sub, base+".txt"))
		if rc != rec.rc {
			t.Errorf("%s: keepalived exits %d now, recorded %d", base, rc, rec.rc)
		}
		got := strings.Join(msgs, "\n")
		for _, m := range rec.msgs {
			if !strings.Contains(got, m) {
				t.Errorf("%s: recorded message %q not in live output", base, m)
			}
		}
		cfg, _, _ := Load(f, Options{})
		var b bytes.Buffer
		if err := Dump(&b, cfg); err != nil {
			t.Fatal(err)
		}
		dump := filepath.Join(dir, base)
		if err := os.WriteFile(dump, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		_, dmsgs := run(dir, dump)
		src := map[string]bool{}
		for _, m := range msgs {
			src[stripKALine(m)] = true
		}
		for _, m := range dmsgs {
			m = stripKALine(m)
			ok := src[m]
			for _, a := range dumpMayAdd {
				ok = ok || strings.Contains(m, a)
			}
			if !ok {
				t.Errorf("%s: keepalived complains about our dump: %q\n%s", base, m, b.String())
			}
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d seed configs checked", checked)
	}
}

func stripKALine(m string) string {
	if sub := kaLineRE.FindStringSubmatch(m); sub != nil {
		return sub[2]
	}
	return m
}

// TestDumpRoundTrip: -d output re-parses into the same model.
func TestDumpRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/seeds/*.conf")
	more, _ := filepath.Glob("testdata/valid/*.conf")
	files = append(files, more...)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, _, err := Load(f, Options{})
			if err != nil {
				t.Skipf("invalid on purpose: %v", err)
			}
			var b bytes.Buffer
			if err := Dump(&b, cfg); err != nil {
				t.Fatal(err)
			}
			again, ds, err := Parse("dump", b.Bytes(), Options{})
			if err != nil {
				t.Fatalf("dump does not parse: %v\n%s\n%s", err, ds, b.String())
			}
			again.Files = cfg.Files
			j1, _ := json.Marshal(cfg)
			j2, _ := json.Marshal(again)
			if !bytes.Equal(j1, j2) {
				t.Errorf("model differs after dump/parse:\n%s\n---\n%s\n--- dump:\n%s", j1, j2, b.String())
			}
		})
	}
}

// testStatus is cmd/gokeepalived's exit status for these diagnostics
// (keepalived 2.2.7 -t: 6 script security, 5 any other finding, 0 clean).
func testStatus(ds Diagnostics) int {
	switch {
	case ds.ScriptSecurityViolation():
		return 6
	case ds.KeepalivedReports():
		return 5
	}
	return 0
}
