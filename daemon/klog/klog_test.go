package klog

import (
	"bytes"
	"encoding/json"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// keepalived -S: 0..7 are local0..local7.
func TestParseFacility(t *testing.T) {
	for in, want := range map[string]syslog.Priority{"daemon": syslog.LOG_DAEMON, "user": syslog.LOG_USER,
		"0": syslog.LOG_LOCAL0, "7": syslog.LOG_LOCAL7, "local3": syslog.LOG_LOCAL3} {
		if got, err := ParseFacility(in); err != nil || got != want {
			t.Errorf("ParseFacility(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"8", "local8", "kern", "", "local"} {
		if _, err := ParseFacility(bad); err == nil {
			t.Errorf("ParseFacility(%q) accepted", bad)
		}
	}
}

// Syslog gets the bare phrase with the facility and severity in its
// priority and the process's ident as tag.
func TestSyslogFacilityAndIdent(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	l, err := New(Options{Ident: "Keepalived_vrrp", Syslog: true, SyslogAddr: sock, Facility: syslog.LOG_LOCAL3})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Info("(VI_1) Entering MASTER STATE", "reason", "master down timer expired")
	l.Warn("something odd")
	l.Debug("not without -D")
	buf := make([]byte, 2048)
	var got []string
	for range 2 {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	// local3 (19) × 8 + info (6) = 158; + warning (4) = 156.
	if !regexp.MustCompile(`^<158>.* Keepalived_vrrp\[\d+\]: \(VI_1\) Entering MASTER STATE\n?$`).MatchString(got[0]) {
		t.Errorf("syslog line %q", got[0])
	}
	if !strings.HasPrefix(got[1], "<156>") {
		t.Errorf("warning line %q", got[1])
	}
}

// The console has keepalived's timestamped lines; -D adds attributes and
// debug records; JSON is one object per line.
func TestConsoleDetailAndJSON(t *testing.T) {
	var b bytes.Buffer
	l, err := New(Options{Console: true, Stderr: &b})
	if err != nil {
		t.Fatal(err)
	}
	l.Info("(VI_1) Entering BACKUP STATE (init)", "reason", "init")
	l.Debug("hidden")
	if !regexp.MustCompile(`^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: \(VI_1\) Entering BACKUP STATE \(init\)\n$`).MatchString(b.String()) {
		t.Errorf("console %q", b.String())
	}
	b.Reset()
	l, _ = New(Options{Console: true, Stderr: &b, Detail: true})
	l.With("iface", "eth0").Debug("shown", "reason", "a b")
	if !strings.HasSuffix(b.String(), `: shown iface=eth0 reason="a b"`+"\n") {
		t.Errorf("detail %q", b.String())
	}
	b.Reset()
	l, _ = New(Options{Console: true, Stderr: &b, JSON: true, Ident: "Keepalived_vrrp"})
	l.Info("(VI_1) Entering MASTER STATE", "reason", "master down timer expired")
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatalf("%q: %v", b.String(), err)
	}
	if m["msg"] != "(VI_1) Entering MASTER STATE" || m["reason"] != "master down timer expired" || m["proc"] != "Keepalived_vrrp" || m["level"] != "INFO" {
		t.Errorf("json %v", m)
	}
}

// -g appends to a file.
func TestLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ka.log")
	for range 2 {
		l, err := New(Options{File: path})
		if err != nil {
			t.Fatal(err)
		}
		l.Info("Stopped")
		l.Close()
	}
	b, err := os.ReadFile(path)
	if err != nil || strings.Count(string(b), ": Stopped\n") != 2 {
		t.Fatalf("log file %q, %v", b, err)
	}
}
