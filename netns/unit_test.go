package netns

import (
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests need no root: they check the pure parts of the lab.

func TestRenderRuleset(t *testing.T) {
	ports := segPorts{"a": {"a.eth0"}, "b": {"b.eth0"}, "c": {"c.eth0"}}
	var f faultSet
	f.init()
	if got, want := renderRuleset(ports, &f), "table bridge gkl_lab\ndelete table bridge gkl_lab\ntable netdev gkl_lab_dup\ndelete table netdev gkl_lab_dup\n"; got != want {
		t.Errorf("no fault:\n%s\nwant:\n%s", got, want)
	}
	f.partition[pair{"a", "b"}] = true
	f.partition[pair{"b", "a"}] = true
	f.dropVRRP[pair{"c", "a"}] = true
	f.loss[pair{"a", "c"}] = 30
	f.loss[pair{"b", "c"}] = 100
	f.loss[pair{"c", "b"}] = 0.01
	f.dup[pair{"a", "c"}] = 10
	f.dup[pair{"a", "b"}] = 100
	want := `table bridge gkl_lab
delete table bridge gkl_lab
table netdev gkl_lab_dup
delete table netdev gkl_lab_dup
table bridge gkl_lab {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "a.eth0" oifname "b.eth0" drop
		iifname "a.eth0" oifname "c.eth0" numgen random mod 10000 < 3000 drop
		iifname "b.eth0" oifname "a.eth0" drop
		iifname "b.eth0" oifname "c.eth0" drop
		iifname "c.eth0" oifname "a.eth0" ether type ip ip protocol 112 drop
		iifname "c.eth0" oifname "a.eth0" ether type ip6 ip6 nexthdr 112 drop
		iifname "c.eth0" oifname "b.eth0" numgen random mod 10000 < 1 drop
	}
}
table netdev gkl_lab_dup {
	chain in0 {
		type filter hook ingress device "a.eth0" priority 0; policy accept;
		dup to "b.eth0"
		numgen random mod 10000 < 1000 dup to "c.eth0"
	}
}
`
	if got := renderRuleset(ports, &f); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestParseStateLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want Event
		ok   bool
	}{
		{`INSTANCE "VI_1" MASTER 100`, Event{Kind: KindState, Instance: "VI_1", State: "MASTER", Priority: 100, Text: "INSTANCE"}, true},
		{`GROUP "VG 1" BACKUP 0`, Event{Kind: KindState, Instance: "VG 1", State: "BACKUP", Priority: 0, Text: "GROUP"}, true},
		{`VS [10.0.0.3]:tcp:80 UP`, Event{}, false},
		{`INSTANCE "VI_1 MASTER 100`, Event{}, false},
		{`INSTANCE "VI_1" MASTER`, Event{}, false},
		{`INSTANCE "VI_1" MASTER x`, Event{}, false},
		{``, Event{}, false},
	} {
		got, ok := parseStateLine(c.line)
		if ok != c.ok || got.Instance != c.want.Instance || got.State != c.want.State || got.Priority != c.want.Priority || got.Text != c.want.Text {
			t.Errorf("parseStateLine(%q) = %+v, %v; want %+v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestParseNotifyLine(t *testing.T) {
	ts, argv, ok := parseNotifyLine("1764425625.123456\tINSTANCE\tVI_1\tMASTER\t100")
	if !ok || !ts.Equal(time.Unix(1764425625, 123456000)) || !slices.Equal(argv, []string{"INSTANCE", "VI_1", "MASTER", "100"}) {
		t.Errorf("got %v %q %v", ts, argv, ok)
	}
	if _, argv, ok := parseNotifyLine("1764425625.123456\t"); !ok || argv != nil {
		t.Errorf("no arguments: %q %v", argv, ok)
	}
	for _, bad := range []string{"", "x", "1764425625\ta", "1764425625.12\ta", "a.123456\tb"} {
		if _, _, ok := parseNotifyLine(bad); ok {
			t.Errorf("parseNotifyLine(%q) accepted", bad)
		}
	}
}

func TestVIPSpans(t *testing.T) {
	vip := netip.MustParsePrefix("10.0.0.3/32")
	other := netip.MustParsePrefix("10.0.0.4/32")
	ev := func(at time.Duration, kind Kind, node string, a netip.Prefix) Event {
		return Event{At: at, Kind: kind, Node: node, Addr: a, Iface: "eth0"}
	}
	s := time.Second
	events := []Event{
		ev(1*s, KindAddrAdd, "a", vip),
		ev(2*s, KindAddrAdd, "a", other), // another address: ignored
		ev(4*s, KindAddrAdd, "b", vip),   // out of order on purpose
		ev(3*s, KindAddrDel, "a", vip),
		ev(5*s, KindAddrAdd, "a", vip),
		ev(6*s, KindAddrDel, "b", vip),
	}
	got := VIPSpans(events, vip.Addr(), 8*s)
	want := []Span{
		{From: 1 * s, To: 3 * s, Nodes: []string{"a"}},
		{From: 3 * s, To: 4 * s, Nodes: nil},
		{From: 4 * s, To: 5 * s, Nodes: []string{"b"}},
		{From: 5 * s, To: 6 * s, Nodes: []string{"a", "b"}},
		{From: 6 * s, To: 8 * s, Nodes: []string{"a"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	for i := range want {
		if got[i].From != want[i].From || got[i].To != want[i].To || !slices.Equal(got[i].Nodes, want[i].Nodes) {
			t.Errorf("span %d = %v, want %v", i, got[i], want[i])
		}
	}
	if VIPSpans(nil, vip.Addr(), s) != nil {
		t.Error("spans of no event")
	}
}

func TestEventJSON(t *testing.T) {
	e := Event{At: 1500 * time.Millisecond, Kind: KindAddrAdd, Node: "lvs1", Iface: "eth0", Addr: netip.MustParsePrefix("172.20.0.100/32")}
	b, err := json.Marshal(e)
	must(t, err)
	if got, want := string(b), `{"at":1500000000,"kind":"addr-add","node":"lvs1","iface":"eth0","addr":"172.20.0.100/32"}`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	var back Event
	must(t, json.Unmarshal(b, &back))
	if back.Addr != e.Addr || back.At != e.At || back.Kind != e.Kind {
		t.Errorf("round trip: %+v", back)
	}
}

func TestTopologyValidate(t *testing.T) {
	p := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24")}
	for _, c := range []struct {
		topo Topology
		want string
	}{
		{Topology{}, "no node"},
		{Topology{Nodes: []Node{{Name: "a b"}}}, `node name "a b"`},
		{Topology{Nodes: []Node{{Name: "a"}, {Name: "a"}}}, "node a defined twice"},
		{Topology{Nodes: []Node{{Name: "a", Ifaces: []Iface{{Name: "averyveryverylongname", Segment: "lan", Addrs: p}}}}}, `interface name "averyveryverylongname"`},
		{Topology{Nodes: []Node{{Name: "a", Ifaces: []Iface{{Name: "eth0:1", Segment: "lan"}}}}}, `interface name "eth0:1"`},
		{Topology{Nodes: []Node{{Name: "a", Ifaces: []Iface{{Name: "eth0", Segment: "lan"}, {Name: "eth0", Segment: "lan"}}}}}, "interface eth0 defined twice"},
		{Topology{Nodes: []Node{{Name: "a", Ifaces: []Iface{{Name: "eth0", Segment: "l/an"}}}}}, `segment name "l/an"`},
		{Topology{Nodes: []Node{{Name: "a", PrivateDirs: []string{"etc"}}}}, `private dir "etc"`},
		{Topology{Nodes: []Node{{Name: "a", PrivateDirs: []string{"/proc/x"}}}}, `private dir "/proc/x"`},
		{Topology{Nodes: []Node{{Name: "a", PrivateDirs: []string{"/run/x"}}}}, `/run is private as a whole`},
		{Topology{Nodes: []Node{{Name: "a", PrivateDirs: []string{"/no/such/dir/here"}}}}, "must exist on the host"},
	} {
		_, err := c.topo.validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.topo, err, c.want)
		}
	}
	topo := Topology{Segments: []string{"mgmt"}, Nodes: []Node{
		{Name: "a", Ifaces: []Iface{{Name: "eth0", Segment: "lan"}, {Name: "eth1", Segment: "mgmt"}}},
	}}
	segs, err := topo.validate()
	if err != nil || !slices.Equal(segs, []string{"mgmt", "lan"}) {
		t.Errorf("segments %v, %v", segs, err)
	}
}

func TestPrivateDirsAndPaths(t *testing.T) {
	n := &Node{Name: "a", PrivateDirs: []string{"/tmp", "/etc", "/etc/keepalived/"}}
	dirs, err := n.privateDirs()
	must(t, err)
	// Parents before children; /run, which hides the mount sources, last.
	if want := []string{"/etc", "/etc/keepalived", "/tmp", "/run"}; !slices.Equal(dirs, want) {
		t.Errorf("mount order %v, want %v", dirs, want)
	}
	nd := &node{name: "a", dirs: dirs, root: "/r/nodes/a/fs"}
	for _, c := range []struct{ in, want string }{
		{"/etc/keepalived/down", "/r/nodes/a/fs/etc/keepalived/down"},
		{"/etc/hosts", "/r/nodes/a/fs/etc/hosts"},
		{"/run/../tmp/x", "/r/nodes/a/fs/tmp/x"},
		{"/run", "/r/nodes/a/fs/run"},
	} {
		if got, err := nd.hostPath(c.in); err != nil || got != c.want {
			t.Errorf("hostPath(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"/usr/bin/x", "etc/x", "/runx"} {
		if _, err := nd.hostPath(bad); err == nil {
			t.Errorf("hostPath(%s) accepted", bad)
		}
	}
}

func TestNames(t *testing.T) {
	n := names{runID: "ab12cd34"}
	if got := n.nodeNetns("lvs1"); got != "gkl-lab-ab12cd34-node-lvs1" {
		t.Errorf("node netns %s", got)
	}
	if got := n.switchNetns("lan"); got != "gkl-lab-ab12cd34-sw-lan" {
		t.Errorf("switch netns %s", got)
	}
	for name, want := range map[string]string{
		"gkl-lab-ab12cd34-node-lvs1": "ab12cd34",
		"gkl-lab-ab12cd34-sw-lan":    "ab12cd34",
		"gkl-lnx-ab12cd34-a":         "",
		"gkl-lab-":                   "",
		"gkl-lab-AB-x":               "",
		"gkl-cfg-ka":                 "",
	} {
		if got := runIDOfNetns(name); got != want {
			t.Errorf("runIDOfNetns(%s) = %q, want %q", name, got, want)
		}
	}
	if got := portName("lvs1", "eth0", 3); got != "lvs1.eth0" {
		t.Errorf("port %s", got)
	}
	if got := portName("a-long-node-name", "eth0", 3); got != "p3" {
		t.Errorf("port %s", got)
	}
}

// Delay and clock faults are refused before a run starts, naming the
// world that can do them; everything else is supported.
func TestCheck(t *testing.T) {
	for _, op := range []Op{OpDelay, OpClockJump, OpClockRate} {
		err := Check(op)
		var ue *UnsupportedError
		if !errors.Is(err, ErrUnsupported) || !errors.As(err, &ue) || ue.Op != op || !strings.Contains(err.Error(), "simulator") {
			t.Errorf("Check(%s) = %v", op, err)
		}
	}
	for _, op := range []Op{OpLoss, OpDropVRRP, OpKillVRRP, OpBridge, OpService} {
		if err := Check(op); err != nil {
			t.Errorf("Check(%s) = %v", op, err)
		}
	}
	if err := Check("teleport"); err == nil || errors.Is(err, ErrUnsupported) {
		t.Errorf("Check(unknown) = %v", err)
	}
}

func TestNumgenMatch(t *testing.T) {
	for pct, want := range map[float64]string{
		30: "numgen random mod 10000 < 3000 ", 0.01: "numgen random mod 10000 < 1 ", 99.99: "numgen random mod 10000 < 9999 ", 100: "",
	} {
		if got := numgenMatch(pct); got != want {
			t.Errorf("numgenMatch(%v) = %q, want %q", pct, got, want)
		}
	}
}

// The event log keeps at most max events and counts the rest; waiters
// wake on every event, kept or not.
func TestEventLogBound(t *testing.T) {
	l := newEventLog(time.Now(), 2)
	woke := l.wait()
	for i := range 3 {
		l.add(Event{Kind: KindAction, Text: string(rune('a' + i))}, nil)
	}
	select {
	case <-woke:
	default:
		t.Error("waiter not woken")
	}
	if got := l.from(0); len(got) != 2 || got[1].Text != "b" || l.dropped != 1 {
		t.Errorf("log %v, dropped %d", got, l.dropped)
	}
	if got := l.from(5); got != nil {
		t.Errorf("from past the end: %v", got)
	}
}
