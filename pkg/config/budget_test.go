package config

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// loadBudget pre-processes like Load and reports the diagnostics, the
// pre-processor (its budget used) and the bytes allocated on the way.
func loadBudget(t *testing.T, name string, opt Options) (Diagnostics, *pre, uint64) {
	t.Helper()
	d := &diags{}
	p := newPre(d, opt)
	src, err := readConfigFile(p.fs, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	p.main(name, src)
	// The same load through the API, measured alone.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, ds, _ := Load(name, opt)
	runtime.ReadMemStats(&after)
	if len(ds) != len(d.list) {
		t.Errorf("Load gives %d diagnostics, the pre-processor %d", len(ds), len(d.list))
	}
	return ds, p, after.TotalAlloc - before.TotalAlloc
}

// within: every budget counter is at most its limit plus the one step that
// went past it.
func within(t *testing.T, p *pre) {
	t.Helper()
	u, l := p.used, p.lim
	if u.lines > l.lines+1 || u.expandedLines > l.expandedLines+1 || u.inclusions > l.inclusions+1 ||
		u.replicated > l.replicated+1 || u.globEntries > l.globEntries+256 || u.readBytes > l.readBytes+MaxFileBytes ||
		u.expandedBytes > l.expandedBytes+MaxLineBytes {
		t.Errorf("budget overrun: used %+v, limits %+v", u, l)
	}
}

// exceeded: the load is one budget error at the wanted place; nothing the
// pre-processor produced is kept.
func exceeded(t *testing.T, ds Diagnostics, p *pre, file string, line int, kw string) {
	t.Helper()
	n := 0
	for _, d := range ds {
		if d.Code == CodeBudgetExceeded {
			n++
			if !strings.HasSuffix(d.Pos.File, file) || (line > 0 && d.Pos.Line != line) || d.Keyword != kw || d.Severity != Error {
				t.Errorf("budget error at %s keyword %q, want %s:%d %q: %s", d.Pos, d.Keyword, file, line, kw, d)
			}
		}
	}
	if n != 1 || !p.stopped || len(p.out) != 0 {
		t.Errorf("%d budget errors (stopped %v, %d lines kept), want 1:\n%.2000s", n, p.stopped, len(p.out), ds)
	}
	within(t, p)
}

// fewTensOfMB is what a load that hits a budget may allocate in all
// (TotalAlloc, garbage included): the hostile inputs below take 5-50 MB
// (up to 60 MB with -race).
const fewTensOfMB = 100 << 20

// Issue 8: config loading has a total budget. Each hostile input of a few
// lines stops with one budget-exceeded error naming the file:line where it
// happened, having done a bounded amount of work (the counters) and
// allocated a few tens of MB.
func TestBudgets(t *testing.T) {
	fan := fstest.MapFS{}
	for i := 0; i < 16; i++ {
		var b strings.Builder
		fmt.Fprintf(&b, "global_defs {\n router_id r%d\n}\n", i)
		if i < 15 {
			for j := 0; j < 10; j++ {
				fmt.Fprintf(&b, "include f%02d.conf\n", i+1)
			}
		}
		fan[fmt.Sprintf("f%02d.conf", i)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	self := fstest.MapFS{}
	for i := 0; i < 16; i++ {
		self[fmt.Sprintf("d/%02d.conf", i)] = &fstest.MapFile{Data: []byte("include *.conf\nvrrp_script s {\n}\n")}
	}
	var mm strings.Builder
	mm.WriteString("$A0=" + strings.Repeat("x", 100) + "\n")
	for i := 1; i < 14; i++ {
		fmt.Fprintf(&mm, "$A%d=${A%d}${A%d}\n", i, i-1, i-1)
	}
	mm.WriteString("~SEQ(i, 1, 1000000) router_id ${A13}\n")
	many := fstest.MapFS{"g.conf": {Data: []byte("include many/*.inc\n")}}
	for i := 0; i <= MaxGlobEntries; i++ {
		many[fmt.Sprintf("many/%06d", i)] = &fstest.MapFile{}
	}
	for _, tc := range []struct {
		name, main string
		fsys       fstest.MapFS
		file       string
		line       int // 0: any line
		kw         string
	}{
		// Sixteen files each including the next ten times: 10^15
		// inclusions without a budget.
		{"fan-out includes", "f00.conf", fan, ".conf", 0, "include"},
		// A glob matching the including files themselves.
		{"glob of itself", "d/00.conf", self, ".conf", 1, "include"},
		// A 1000-byte macro used eight times on each of a million lines.
		{"macro used a million times", "m.conf", fstest.MapFS{"m.conf": {Data: []byte(
			"$A=" + strings.Repeat("x", 1000) + "\n~SEQ(i, 1, 1000000) router_id $A$A$A$A$A$A$A$A\n")}}, "m.conf", 2, ""},
		// A macro of macros: 100 bytes doubled 13 times, used a million times.
		{"macro of macros", "mm.conf", fstest.MapFS{"mm.conf": {Data: []byte(mm.String())}}, "mm.conf", 15, ""},
		// A macro naming itself: 16 passes of a long line, no growth.
		{"macro naming itself", "self.conf", fstest.MapFS{"self.conf": {Data: []byte(
			"$A=$A\n~SEQ(i, 1, 1000000) x " + strings.Repeat("$A ", 20000) + "\n")}}, "self.conf", 2, ""},
		// Nested ~SEQ: a billion lines.
		{"nested ~SEQ", "s.conf", fstest.MapFS{"s.conf": {Data: []byte(
			"~SEQ(a, 1, 1000) ~SEQ(b, 1, 1000) ~SEQ(c, 1, 1000) x$a$b$c\n")}}, "s.conf", 1, ""},
		// A ~SEQ of 2^63 copies that produce nothing.
		{"~SEQ producing nothing", "n.conf", fstest.MapFS{"n.conf": {Data: []byte(
			"\n~SEQ(a, 1, 9223372036854775807) @nothere x\n")}}, "n.conf", 2, "~SEQ"},
		// A glob over a directory of 100,001 entries.
		{"glob of a huge directory", "g.conf", many, "g.conf", 1, "include"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, p, alloc := loadBudget(t, tc.main, Options{FS: tc.fsys})
			exceeded(t, ds, p, tc.file, tc.line, tc.kw)
			t.Logf("allocated %.1f MB; used %+v", float64(alloc)/(1<<20), p.used)
			if alloc > fewTensOfMB {
				t.Errorf("allocated %d MB", alloc>>20)
			}
		})
	}
}

// A configuration just within the budget loads: the 100,000-line
// benchmark expands nothing, and a ~SEQ of MaxExpandedLines lines passes.
func TestBudgetsAllowRealConfigs(t *testing.T) {
	src := genConfig(500, 2000, 10)
	d := &diags{}
	p := newPre(d, Options{})
	p.main("bench.conf", src)
	if p.stopped || p.used.expandedLines != 0 || p.used.lines < 95000 {
		t.Errorf("benchmark config: %+v stopped %v", p.used, p.stopped)
	}
	seq := fmt.Sprintf("~SEQ(i, 1, %d) x$i\n", MaxExpandedLines)
	d = &diags{}
	p = newPre(d, Options{})
	p.main("seq.conf", []byte(seq))
	if p.stopped || len(p.out) != MaxExpandedLines {
		t.Errorf("%d lines of ~SEQ: stopped %v, %d lines\n%s", MaxExpandedLines, p.stopped, len(p.out), d.list)
	}
	p = newPre(&diags{}, Options{})
	p.main("seq.conf", []byte(fmt.Sprintf("~SEQ(i, 1, %d) x$i\n", MaxExpandedLines+1)))
	if !p.stopped {
		t.Error("one line more is not refused")
	}
}

// keepalived lib/parser.c check_glob_file: only regular files are read. A
// directory, a device, a FIFO or a socket, as the main file or included,
// is refused with a message naming it, without blocking and without
// reading it; so is a file larger than MaxFileBytes.
func TestOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.conf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock.conf")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	huge := filepath.Join(dir, "huge.conf")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 1<<30); err != nil { // sparse: 1 GiB that costs no disk
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		code Code
		kind string
	}{
		{"/dev/zero", CodeNotRegularFile, "a character device"},
		{"/dev/urandom", CodeNotRegularFile, "a character device"},
		{fifo, CodeNotRegularFile, "a FIFO"},
		{sock, CodeNotRegularFile, "a socket"},
		{dir, CodeNotRegularFile, "a directory"},
		{huge, CodeFileTooLarge, "1073741824 bytes"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			// A FIFO opened for reading blocks until a writer comes: the
			// load must come back, so it runs against a deadline.
			done := make(chan struct{})
			var mainDS, incDS Diagnostics
			var cfg *Config
			var mainErr error
			var alloc uint64
			go func() {
				defer close(done)
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				cfg, mainDS, mainErr = Load(tc.path, Options{})
				inc := filepath.Join(t.TempDir(), "main.conf")
				if err := os.WriteFile(inc, []byte("global_defs {\n}\ninclude "+tc.path+"\n"), 0o600); err != nil {
					t.Error(err)
					return
				}
				_, incDS, _ = Load(inc, Options{})
				runtime.ReadMemStats(&after)
				alloc = after.TotalAlloc - before.TotalAlloc
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("loading %s blocked", tc.path)
			}
			if cfg != nil || mainErr == nil || len(mainDS) != 1 || mainDS[0].Code != tc.code ||
				!strings.Contains(mainDS[0].Msg, tc.path) || !strings.Contains(mainDS[0].Msg, tc.kind) {
				t.Errorf("main file: cfg %v err %v diagnostics %v", cfg != nil, mainErr, mainDS)
			}
			if len(incDS) != 1 || incDS[0].Code != tc.code || incDS[0].Pos.Line != 3 || !strings.Contains(incDS[0].Msg, tc.path) {
				t.Errorf("include: %v", incDS)
			}
			if alloc > 8<<20 {
				t.Errorf("allocated %d MB: the file was read", alloc>>20)
			}
		})
	}
	// The same through an fs.FS (the simulator's node files).
	fsys := fstest.MapFS{
		"etc/k.conf":   {Data: []byte("include /etc/pipe\ninclude /etc/d\n")},
		"etc/pipe":     {Mode: fs.ModeNamedPipe},
		"etc/d/x.conf": {Data: []byte("\n")},
	}
	_, ds, _ := Load("/etc/k.conf", Options{FS: fsys})
	if len(ds) != 2 || ds[0].Code != CodeNotRegularFile || ds[1].Code != CodeNotRegularFile ||
		!strings.Contains(ds[0].Msg, "FIFO") || !strings.Contains(ds[1].Msg, "directory") {
		t.Errorf("fs.FS: %v", ds)
	}
	if _, ds, err := Load("/etc/pipe", Options{FS: fsys}); err == nil || len(ds) != 1 || ds[0].Code != CodeNotRegularFile {
		t.Errorf("fs.FS main FIFO: %v %v", err, ds)
	}
}

// Non-numbers in numeric positions are refused everywhere: strconv's
// ParseFloat reads NaN, Inf, +Inf and 1e400 (as +Inf), keepalived reads
// none of them.
func TestNonNumbers(t *testing.T) {
	for _, tmpl := range []string{
		"vrrp_instance V {\n interface eth0\n virtual_router_id %s\n}\n",
		"vrrp_instance V {\n advert_int %s\n}\n",
		"vrrp_instance V {\n track_interface {\n  eth1 weight %s\n }\n}\n",
		"vrrp_instance V {\n unicast_peer {\n  10.0.0.1 min_ttl %s\n }\n}\n",
		"vrrp_instance V {\n debug %s\n}\n",
		"vrrp_script s {\n script /bin/true\n weight %s\n}\n",
		"track_file f {\n file /x\n init_file %s\n}\n",
		"global_defs {\n lvs_timeouts tcp %s\n}\n",
		"global_defs {\n smtp_server 10.0.0.1 %s\n}\n",
		"global_defs {\n max_auto_priority %s\n}\n",
		"virtual_server 10.0.0.1 %s {\n}\n",
		"virtual_server fwmark %s {\n}\n",
		"virtual_server 10.0.0.1 80 {\n persistence_timeout %s\n}\n",
		"virtual_server 10.0.0.1 80 {\n sorry_server 10.0.0.2 %s\n}\n",
		"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 %s {\n }\n}\n",
		"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  MISC_CHECK {\n   misc_path /bin/true\n   misc_timeout %s\n  }\n }\n}\n",
		"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  UDP_CHECK {\n   min_reply_length %s\n  }\n }\n}\n",
		"virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  HTTP_GET {\n   url {\n    path /\n    status_code %s\n   }\n  }\n }\n}\n",
		"virtual_server_group g {\n 10.0.0.1 %s\n}\n",
		"~SEQ(i, %s) x\n",
	} {
		for _, bad := range []string{"NaN", "nan", "Inf", "+Inf", "-Infinity", "1e400"} {
			src := fmt.Sprintf(tmpl, bad)
			_, ds, _ := Parse("t.conf", []byte(src), Options{})
			refused := false
			for _, d := range ds {
				refused = refused || d.Severity == Error && (d.Code == CodeInvalidValue || d.Code == CodeValueRange)
			}
			if !refused {
				t.Errorf("%q accepted:\n%s%s", bad, src, ds)
			}
		}
	}
}

// The diagnostics of one load are bounded in number and in the text they
// quote: twenty thousand unknown keywords give MaxDiagnostics diagnostics
// and one that counts the rest; a keyword of a megabyte is quoted short.
func TestDiagnosticsBounded(t *testing.T) {
	_, ds, err := Parse("t.conf", []byte("~SEQ(i, 1, 20000) bogus$i\n"), Options{})
	if err != nil || len(ds) != MaxDiagnostics+1 || ds[MaxDiagnostics].Code != CodeTooManyDiagnostics ||
		!strings.HasPrefix(ds[MaxDiagnostics].Msg, "10000 more diagnostics not shown (0 of them errors)") {
		t.Errorf("%v, %d diagnostics, last %v", err, len(ds), ds[len(ds)-1])
	}
	// Replicated lines keep their columns: the keyword after ~SEQ(...).
	if d := ds[0]; d.Pos.Line != 1 || d.Pos.Col != 19 || d.Code != CodeUnknownKeyword {
		t.Errorf("first diagnostic %v", d)
	}
	long := strings.Repeat("k", 1<<19)
	_, ds, _ = Parse("t.conf", []byte("~SEQ(i, 1, 3) "+long+"$i\n"), Options{})
	for _, d := range ds {
		if len(d.Msg) > 1000 || len(d.Keyword) > 300 {
			t.Fatalf("diagnostic of %d bytes (keyword %d)", len(d.Msg), len(d.Keyword))
		}
	}
	if len(ds) != 3 {
		t.Errorf("%d diagnostics", len(ds))
	}
	// An include of a thousand {a,b} alternatives is refused, not globbed.
	_, ds, _ = Parse("t.conf", []byte("include /x/"+strings.Repeat("{a,b}", 11)+"\n"), Options{FS: fstest.MapFS{}})
	if len(ds) != 1 || ds[0].Code != CodeIncludeError {
		t.Errorf("brace explosion: %v", ds)
	}
}
