package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

var update = flag.Bool("update", false, "rewrite testdata/goldens.jsonl")

const goldenDir = "../../pkg/vrrp/testdata"

// TestGoldens dumps the keepalived 2.2.7 captures (Ethernet and Linux
// cooked link types) and compares with the reviewed output.
func TestGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.pcap"))
	if err != nil || len(files) < 6 {
		t.Fatalf("golden captures: %v %v", files, err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(files, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := filepath.Join("testdata", "goldens.jsonl")
	if *update {
		if err := os.WriteFile(want, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exp, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), exp) {
		t.Fatalf("output differs from %s (run with -update after review):\n%s", want, stdout.String())
	}
	// Every line is one valid advert with all documented keys.
	keys := []string{"time", "src", "dst", "ttl", "version", "vrid", "priority", "count", "advert_int_cs",
		"auth_type", "auth", "addrs", "checksum_ok", "error", "detail"}
	for i, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Fatalf("line %d lacks %q: %s", i, k, line)
			}
		}
		// keepalived's own adverts are valid; those sent with
		// old_unicast_checksum (VRID 58) carry a note, since 2.2.7 accepts
		// them only by detecting the old form.
		if m["error"] != nil || m["checksum_ok"] != true {
			t.Fatalf("line %d: keepalived's own advert flagged: %s", i, line)
		}
		if d, _ := m["detail"].(string); (m["vrid"] == 58.0) != strings.Contains(d, "old_unicast_checksum") {
			t.Fatalf("line %d: detail %q", i, d)
		}
	}
}

// rawPcap writes a LINKTYPE_RAW pcap with nanosecond timestamps holding
// the given datagrams.
func rawPcap(t *testing.T, pkts ...[]byte) string {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	if err := w.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(t.TempDir(), "raw.pcap")
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestVerdicts: the error key carries the packet-level rejection keepalived
// 2.2.7 would log, and non-VRRP packets are skipped (raw-IP link type).
func TestVerdicts(t *testing.T) {
	src, group, peer := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("224.0.0.18"), netip.MustParseAddr("192.0.2.2")
	a := vrrp.Advert{Version: 3, VRID: 9, Priority: 100, AdvertIntCS: 100, Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.50")}}
	build := func(dst netip.Addr, p vrrp.IPv4Params, opt vrrp.MarshalOptions) []byte {
		b, err := a.MarshalIPv4(src, dst, p, opt)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	valid := build(group, vrrp.IPv4Params{ID: 1}, vrrp.MarshalOptions{})
	// RFC 5798 §7.1: multicast adverts must have TTL 255.
	ttl := build(group, vrrp.IPv4Params{ID: 2, TTL: 254}, vrrp.MarshalOptions{})
	// keepalived exempts unicast from the TTL check.
	uniTTL := build(peer, vrrp.IPv4Params{ID: 3, TTL: 64}, vrrp.MarshalOptions{})
	// A peer with v3_checksum_as_v2: keepalived 2.2.7 rejects it.
	asV2 := build(group, vrrp.IPv4Params{ID: 4}, vrrp.MarshalOptions{ChecksumAsV2: true})
	udp := bytes.Clone(valid)
	udp[9] = 17
	cut := valid[:len(valid)-2]
	name := rawPcap(t, valid, ttl, uniTTL, asV2, udp, cut)
	var stdout, stderr bytes.Buffer
	if code := run([]string{name}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	want := []struct {
		err        any
		checksumOK bool
		detail     string
	}{
		{nil, true, ""},
		{"invalid_ttl", true, "TTL"},
		{nil, true, ""},
		{"checksum", false, "v3_checksum_as_v2"},
		{"truncated", false, ""},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d (UDP skipped):\n%s", len(lines), len(want), stdout.String())
	}
	for i, w := range want {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatal(err)
		}
		if m["error"] != w.err || m["checksum_ok"] != w.checksumOK {
			t.Errorf("line %d: error %v checksum_ok %v, want %v %v: %s", i, m["error"], m["checksum_ok"], w.err, w.checksumOK, lines[i])
		}
		if d, _ := m["detail"].(string); !strings.Contains(d, w.detail) {
			t.Errorf("line %d: detail %q lacks %q", i, d, w.detail)
		}
	}
	if !strings.HasPrefix(lines[0], `{"time":"2023-11-14T22:13:20Z","src":"192.0.2.1","dst":"224.0.0.18","ttl":255,"version":3,"vrid":9,"priority":100,"count":1,"advert_int_cs":100,"auth_type":null,"auth":null,"addrs":["192.0.2.50"]`) {
		t.Errorf("line 0: %s", lines[0])
	}
}

// TestCorruptFile: a broken pcap is reported with the file name and the
// offset of the bad record, exit status 1, after the packets before it.
func TestCorruptFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(goldenDir, "v2_pass.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "cut.pcap")
	// 24-byte header, then records of 16 + 58 bytes: cut inside the third.
	if err := os.WriteFile(name, data[:24+2*(16+58)+20], 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{name}, nil, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if n := strings.Count(stdout.String(), "\n"); n != 2 {
		t.Errorf("%d adverts printed before the corruption, want 2", n)
	}
	msg := stderr.String()
	if !strings.Contains(msg, name) || !strings.Contains(msg, "offset 172") {
		t.Errorf("stderr %q does not name the file and offset 172", msg)
	}

	garbage := filepath.Join(t.TempDir(), "garbage.pcap")
	if err := os.WriteFile(garbage, []byte("this is not a capture file"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run([]string{garbage}, nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "garbage.pcap: corrupt pcap at offset 0") {
		t.Errorf("garbage: exit %d, stderr %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{filepath.Join(t.TempDir(), "missing.pcap")}, nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "missing.pcap") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr.String())
	}
}

// TestUsage: no argument is a usage error (exit 2); "-" reads stdin.
func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(nil, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(goldenDir, "v3_mcast4.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := run([]string{"-"}, bytes.NewReader(data), &stdout, &stderr); code != 0 || strings.Count(stdout.String(), "\n") < 3 {
		t.Fatalf("stdin: exit %d, output %q", code, stdout.String())
	}
}

// FuzzDump: no capture file panics vrrpdump, and every line it prints is a
// JSON object.
func FuzzDump(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.pcap"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		_ = dump(bytes.NewReader(data), &out)
		for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
			if len(line) > 0 && !json.Valid(line) {
				t.Fatalf("invalid JSON line %q", line)
			}
		}
	})
}
