package scenarios

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const lvsHeader = "node a eth0@lan 10.0.0.1/24\nnode rs eth0@lan 10.0.0.91/24\n"

func parseOne(t *testing.T, line string) Step {
	t.Helper()
	sc, err := Parse("x.scn", []byte(lvsHeader+line+"\n"))
	require.NoError(t, err)
	require.Len(t, sc.Steps, 1)
	return sc.Steps[0]
}

// The ipvs expectation: services by address or fwmark, their attributes,
// and destinations; the old form (VIP:PORT -> RIP:PORT route WEIGHT) is a
// special case.
func TestParseIPVS(t *testing.T) {
	cases := []struct {
		line string
		want IPVSCond
	}{
		{"ipvs a has 10.0.0.3:80 -> 10.0.0.91:80 route 1", IPVSCond{Node: "a", Has: true, Proto: "tcp",
			Service: netip.MustParseAddrPort("10.0.0.3:80"), Real: netip.MustParseAddrPort("10.0.0.91:80"), Forward: "route", Weight: 1}},
		{"ipvs a lacks udp 10.0.0.3:53", IPVSCond{Node: "a", Proto: "udp", Service: netip.MustParseAddrPort("10.0.0.3:53"), NoWeight: true}},
		{"ipvs a has fwm 8 rr persistent 600 -> 10.0.0.91:0 route 2", IPVSCond{Node: "a", Has: true, Proto: "tcp", FWMark: 8, Sched: "rr",
			Persistent: 600, PersistentSet: true, Real: netip.MustParseAddrPort("10.0.0.91:0"), Forward: "route", Weight: 2}},
		{"ipvs a has 10.0.0.3:0 wlc persistent 3600 mask 255.255.255.0", IPVSCond{Node: "a", Has: true, Proto: "tcp",
			Service: netip.MustParseAddrPort("10.0.0.3:0"), Sched: "wlc", Persistent: 3600, PersistentSet: true, Mask: "255.255.255.0", NoWeight: true}},
		{"ipvs a has 10.0.0.3:80 -> 10.0.0.91:80", IPVSCond{Node: "a", Has: true, Proto: "tcp",
			Service: netip.MustParseAddrPort("10.0.0.3:80"), Real: netip.MustParseAddrPort("10.0.0.91:80"), NoWeight: true}},
	}
	for _, c := range cases {
		st := parseOne(t, c.line).(ExpectStep)
		require.Equal(t, c.want, st.Cond, c.line)
	}
}

// Bad ipvs, curl and service lines name the line and say what was
// expected.
func TestParseLVSErrors(t *testing.T) {
	for _, c := range []struct{ line, msg string }{
		{"ipvs a has", "usage: ipvs NODE has|lacks"},
		{"ipvs a has fwm x", "fwm \"x\": want a firewall mark"},
		{"ipvs a has 10.0.0.3:80 bogus", "unexpected \"bogus\""},
		{"ipvs a has 10.0.0.3:80 -> 10.0.0.91:80 sideways", "forward \"sideways\""},
		{"ipvs zz has 10.0.0.3:80", "unknown node \"zz\""},
		{"curl nowhere gets \"x\"", "target \"nowhere\""},
		{"curl 10.0.0.3 sees \"x\"", "usage: curl"},
		{"web a 80", "usage: web NODE PORT \"BODY\""},
		{"web a 0 \"x\"", "port \"0\""},
		{"web a 80 \"x\" status 42", "status \"42\""},
		{"listen a 25 as \"bad name\"", "process name"},
		{"ipvsadm a -L", "usage: ipvsadm NODE -C"},
	} {
		_, err := Parse("x.scn", []byte(lvsHeader+c.line+"\n"))
		require.Error(t, err, c.line)
		require.Contains(t, err.Error(), "x.scn:3: ", c.line)
		require.Contains(t, err.Error(), c.msg, c.line)
	}
}

// curl targets: address, optional port (80) and path (/); IPv6 in
// brackets with a port.
func TestParseCurlTarget(t *testing.T) {
	for in, want := range map[string]CurlTarget{
		"10.0.0.3":              {Addr: netip.MustParseAddrPort("10.0.0.3:80"), Path: "/"},
		"10.0.0.3:8080/x/y":     {Addr: netip.MustParseAddrPort("10.0.0.3:8080"), Path: "/x/y"},
		"[2001:db8::1]:443/":    {Addr: netip.MustParseAddrPort("[2001:db8::1]:443"), Path: "/"},
		"2001:db8::1/index.htm": {Addr: netip.MustParseAddrPort("[2001:db8::1]:80"), Path: "/index.htm"},
	} {
		got, err := ParseCurlTarget(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	st := parseOne(t, `curl 10.0.0.3 from rs gets "a" | "b c"`).(ExpectStep)
	require.Equal(t, CurlCond{From: "rs", Target: "10.0.0.3", Body: []string{"a", "b c"}}, st.Cond)
	st = parseOne(t, `curl 10.0.0.3 fails`).(ExpectStep)
	require.Equal(t, CurlCond{Target: "10.0.0.3", Fails: true}, st.Cond)
	require.Equal(t, `web rs 80 "hello world" status 503 as nginx`, parseOne(t, `web rs 80 "hello world" status 503 as nginx`).String())
}

// A backend without the LVS features refuses the LVS steps before
// anything runs, naming each line.
func TestLVSUnsupported(t *testing.T) {
	sc, err := Parse("x.scn", []byte(lvsHeader+"web rs 80 \"x\"\nipvsadm a -C\ncurl 10.0.0.3 fails\n"))
	require.NoError(t, err)
	err = checkSupported(sc, fakeBackend{})
	require.ErrorContains(t, err, "x.scn:3: network services are not supported in the simulator yet")
	require.ErrorContains(t, err, "x.scn:4: ipvsadm is not supported in the simulator yet")
	require.ErrorContains(t, err, "x.scn:5: curl expectations are not supported in the simulator yet")
}

// The LVS scenarios are reproducible: the same seed gives the same
// timeline, every event included (probes, IPVS operations, curls).
func TestLVSScenarioDeterministic(t *testing.T) {
	run := func() string {
		var buf bytes.Buffer
		res, err := Run(context.Background(), "e5_lvs_realservers.scn", Options{Seed: 11, Trace: &buf, Verbose: true})
		require.NoError(t, err)
		require.True(t, res.Passed())
		return buf.String()
	}
	a, b := run(), run()
	require.Equal(t, a, b)
	require.True(t, strings.Contains(a, "ipvs") && strings.Contains(a, "realserver"), "the trace lacks the LVS events")
}
