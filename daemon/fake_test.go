package daemon

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// fakePlatform is a minimal deterministic Platform: a manual clock with a
// timer list, recorded adverts/addresses/GARPs/scripts, and scripted exit
// codes. Callbacks are always deferred to the timer list, as the Platform
// contract requires.
type fakePlatform struct {
	t      *testing.T
	now    time.Time
	seq    int
	timers []*fakeTimer

	links   map[string]bool
	addrs   map[string][]netip.Prefix
	labels  map[netip.Addr]string
	primary map[string]netip.Addr
	files   map[string]string
	// exit codes per script command; missing = 0.
	exit map[string]int

	// countOnly: Report counts by kind instead of keeping (floods);
	// keepNone: SendVRRP keeps nothing (benchmarks).
	countOnly, keepNone bool
	counts              map[ReportKind]int
	// oldGroup is the pseudo-header destination of the old unicast
	// checksum the driver may send (zero: 224.0.0.18).
	oldGroup netip.Addr

	sent    []sentPacket
	garps   []netip.Addr
	routes  []string // "add route …", "del rule …", in order
	scripts []ScriptRequest
	reports []Report
}

type fakeTimer struct {
	at   time.Time
	seq  int
	fn   func()
	dead bool
}

func newFake(t *testing.T) *fakePlatform {
	return &fakePlatform{
		t:       t,
		now:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		links:   map[string]bool{"eth0": true},
		addrs:   map[string][]netip.Prefix{"eth0": {netip.MustParsePrefix("10.0.0.50/24")}},
		labels:  map[netip.Addr]string{},
		primary: map[string]netip.Addr{"eth0": netip.MustParseAddr("10.0.0.50")},
		files:   map[string]string{},
		exit:    map[string]int{},
	}
}

func (f *fakePlatform) Now() time.Time { return f.now }
func (f *fakePlatform) AfterFunc(at time.Time, fn func()) func() {
	f.seq++
	tm := &fakeTimer{at: at, seq: f.seq, fn: fn}
	f.timers = append(f.timers, tm)
	return func() { tm.dead = true }
}

// advance runs every timer due up to now+d in (time, seq) order.
func (f *fakePlatform) advance(d time.Duration) {
	end := f.now.Add(d)
	for {
		sort.SliceStable(f.timers, func(i, j int) bool {
			if !f.timers[i].at.Equal(f.timers[j].at) {
				return f.timers[i].at.Before(f.timers[j].at)
			}
			return f.timers[i].seq < f.timers[j].seq
		})
		if len(f.timers) == 0 || f.timers[0].at.After(end) {
			break
		}
		tm := f.timers[0]
		f.timers = f.timers[1:]
		if tm.dead {
			continue
		}
		if tm.at.After(f.now) {
			f.now = tm.at
		}
		tm.fn()
	}
	f.now = end
}

// sentPacket is one datagram the driver sent, decoded again.
type sentPacket struct {
	Iface    string
	Src, Dst netip.Addr
	TTL      uint8
	Advert   vrrp.Advert
	Raw      []byte
	Pkt      vrrp.Packet
}

func (f *fakePlatform) SendVRRP(d Datagram) error {
	if !f.links[d.Iface] {
		return fmt.Errorf("%s down", d.Iface)
	}
	if f.keepNone {
		return nil
	}
	raw := slices.Clone(d.Data)
	if d.IPv6() && d.TTL == 0 {
		raw[7] = 64 // the kernel's default hop limit (no IPV6_HOPLIMIT)
		d.TTL = 64
	}
	p, err := vrrp.ParsePacket(raw, vrrp.ParseOptions{SkipChecksum: true})
	if err == nil && !vrrp.IsOldUnicastChecksumTo(p.VRRP, p.Src, p.Dst, f.oldGroup) {
		err = vrrp.VerifyChecksum(p.VRRP, p.Src, p.Dst, vrrp.ParseOptions{})
	}
	if err != nil {
		f.t.Errorf("driver sent an invalid datagram: %v", err)
	}
	if p.Src != d.Src || p.Dst != d.Dst || p.TTL != d.TTL {
		f.t.Errorf("datagram header %v > %v TTL %d, Datagram says %v > %v TTL %d", p.Src, p.Dst, p.TTL, d.Src, d.Dst, d.TTL)
	}
	f.sent = append(f.sent, sentPacket{Iface: d.Iface, Src: d.Src, Dst: d.Dst, TTL: d.TTL, Advert: p.Advert, Raw: raw, Pkt: p})
	return nil
}

func (f *fakePlatform) AddRoute(r config.Route) error {
	f.routes = append(f.routes, "add route "+strings.Join(r.Words, " "))
	return nil
}
func (f *fakePlatform) DelRoute(r config.Route) error {
	f.routes = append(f.routes, "del route "+strings.Join(r.Words, " "))
	return nil
}
func (f *fakePlatform) AddRule(r config.Rule) error {
	f.routes = append(f.routes, "add rule "+strings.Join(r.Words, " "))
	return nil
}
func (f *fakePlatform) DelRule(r config.Rule) error {
	f.routes = append(f.routes, "del rule "+strings.Join(r.Words, " "))
	return nil
}

// datagram encodes a as the IPv4 datagram a peer would send.
func datagram(t testing.TB, src, dst string, ttl uint8, a vrrp.Advert) []byte {
	t.Helper()
	b, err := a.MarshalIPv4(netip.MustParseAddr(src), netip.MustParseAddr(dst), vrrp.IPv4Params{ID: 1, TTL: ttl}, vrrp.MarshalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
func (f *fakePlatform) AddVIP(v config.VIP) error { return f.addAddress(v.Dev, v.Prefix, v.Label) }
func (f *fakePlatform) DelVIP(v config.VIP) error { return f.delAddress(v.Dev, v.Prefix) }
func (f *fakePlatform) addAddress(iface string, a netip.Prefix, label string) error {
	if slices.Contains(f.addrs[iface], a) {
		return fmt.Errorf("exists")
	}
	f.addrs[iface] = append(f.addrs[iface], a)
	f.labels[a.Addr()] = label
	return nil
}
func (f *fakePlatform) delAddress(iface string, a netip.Prefix) error {
	i := slices.Index(f.addrs[iface], a)
	if i < 0 {
		return fmt.Errorf("not there")
	}
	f.addrs[iface] = slices.Delete(f.addrs[iface], i, i+1)
	return nil
}
func (f *fakePlatform) Addresses(iface string) ([]netip.Prefix, error) {
	return slices.Clone(f.addrs[iface]), nil
}
func (f *fakePlatform) SendGARP(iface string, a netip.Addr) error {
	f.garps = append(f.garps, a)
	return nil
}
func (f *fakePlatform) LinkUp(iface string) (bool, error) { return f.links[iface], nil }
func (f *fakePlatform) PrimaryAddr(iface string, v6 bool) (netip.Addr, error) {
	a, ok := f.primary[iface]
	if !ok {
		return netip.Addr{}, fmt.Errorf("no address")
	}
	return a, nil
}
func (f *fakePlatform) ReadFile(p string) ([]byte, error) {
	s, ok := f.files[p]
	if !ok {
		return nil, fmt.Errorf("%s: not found", p)
	}
	return []byte(s), nil
}
func (f *fakePlatform) RunScript(req ScriptRequest, done func(ScriptResult)) {
	f.scripts = append(f.scripts, req)
	if done == nil {
		return
	}
	code := f.exit[req.Cmd]
	f.AfterFunc(f.now.Add(time.Millisecond), func() { done(ScriptResult{ExitCode: code}) })
}
func (f *fakePlatform) Report(r Report) {
	if f.countOnly {
		if f.counts == nil {
			f.counts = map[ReportKind]int{}
		}
		f.counts[r.Kind]++
		return
	}
	f.reports = append(f.reports, r)
}

func (f *fakePlatform) has(iface, addr string) bool {
	for _, p := range f.addrs[iface] {
		if p.Addr() == netip.MustParseAddr(addr) {
			return true
		}
	}
	return false
}

func (f *fakePlatform) notifies() []string {
	var out []string
	for _, s := range f.scripts {
		if s.Kind == ScriptNotify {
			out = append(out, strings.TrimSpace(s.Cmd+" "+strings.Join(s.Args, " ")))
		}
	}
	return out
}

func (f *fakePlatform) states() []string {
	var out []string
	for _, r := range f.reports {
		if r.Kind == ReportState {
			out = append(out, fmt.Sprintf("%s:%s->%s", r.Instance, r.From, r.To))
		}
	}
	return out
}

func (f *fakePlatform) lastAdvert() (sentPacket, bool) {
	if len(f.sent) == 0 {
		return sentPacket{}, false
	}
	return f.sent[len(f.sent)-1], true
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

var _ Platform = (*fakePlatform)(nil)
