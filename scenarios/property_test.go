package scenarios

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
	"github.com/gokeepalived/gokeepalived/scenarios/observe"
	"github.com/gokeepalived/gokeepalived/sim"
)

// The topology property: rapid generates clusters (2-5 nodes, 1-3 VRIDs,
// mixed priorities, preempt/nopreempt/preempt_delay, VRRPv2/v3, IPv4/IPv6,
// multicast/unicast, tracked scripts with weights) as keepalived.conf text
// and a fault schedule (kill -9/stop/pause of daemons, link down,
// partitions, one-way cuts, bridges, loss, delay with jitter, duplication,
// clock rates, tracked files), runs it in the simulator, lets the faults
// stop in a stable partition, then heals everything, and checks VRRP's
// invariants:
//
//   - RFC 5798 §6.4: after the faults stop, within one
//     Master_Down_Interval (3 x Advertisement_Interval + Skew_Time of the
//     lowest effective priority) plus one Advertisement_Interval (plus the
//     trackers' interval, and preempt_delay + one MDI with preempt_delay),
//     every VRID has exactly one MASTER among the eligible nodes of each
//     connected group, and the ineligible ones are FAULT;
//   - RFC 5798 §6.4.2/§6.4.3: no node that preempts has a strictly higher
//     effective priority than that MASTER (nopreempt backups keep an
//     incumbent; keepalived's "nopreempt");
//   - the VIPs are held by the MASTER and nobody else once quiet, and at
//     every instant of the run a running daemon holds an instance's VIP
//     exactly when the instance is MASTER;
//   - no gratuitous ARP ever leaves a node that is not MASTER of the
//     instance (keepalived vrrp_send_link_update only runs in MASTER);
//   - no transition at all while the network stays stable;
//   - RFC 5798 §6.4.2: after the MASTER sends priority 0 (orderly stop) a
//     backup takes over within Skew_Time of the highest remaining priority.
//
// `make test` runs propBatches x 100 cases (rapid's default -rapid.checks);
// a failure prints the configs, the timeline, and rapid's seed and fail
// file, which reproduce it (the package goes before the rapid flags):
//
//	go test ./scenarios -run 'TestTopologyProperty/batch3$' -rapid.seed=N
const propBatches = 10

// propTimings are the phases of one generated case (virtual time).
const (
	propFaultSpan = 30 * time.Second // faults happen in [0, propFaultSpan)
	propStable    = 8 * time.Second  // no-transition window after convergence
)

func TestTopologyProperty(t *testing.T) {
	batches := propBatches
	if testing.Short() {
		batches = 1
	}
	for i := range batches {
		t.Run(fmt.Sprintf("batch%d", i), func(t *testing.T) {
			t.Parallel()
			rapid.Check(t, checkTopology)
		})
	}
}

type propInst struct {
	VRID      int
	Version   int
	Advert    time.Duration
	VIP       netip.Addr
	Prio      []int // per node; 0 = node not in this VRID
	Nopreempt []bool
	Master    []bool // state MASTER (only a wish for non-owners)
	// PreemptDelay per node (keepalived: not with nopreempt or state MASTER).
	PreemptDelay []time.Duration
	// NodeAdvert: VRRPv3 members may configure different advert_int
	// (RFC 5798 §6.4.2: a backup adopts the master's interval); Advert is
	// their maximum.
	NodeAdvert []time.Duration
	// Unicast: adverts go to unicast_peer (every other member) instead of
	// the multicast group. IPv6: a VRRPv3 instance with an IPv6 VIP.
	Unicast bool
	IPv6    bool
}

type propFault struct {
	At   time.Duration
	Kind string // daemon, link, partition, oneway, loss, delay, dup, heal
	A, B int
	Mode string  // daemon: kill|stop|pause
	Pct  float64 // loss/dup percent
	D    time.Duration
	Grp  []int // partition: group number per node
}

type propCase struct {
	Seed   int64
	Nodes  int
	Insts  []propInst
	Faults []propFault
	// After the faults: a stable partition (group per node) with some
	// links down, checked per connected group, before the full heal.
	Groups   []int
	LinkDown []bool
	// Script: node n tracks vrrp_script chk (fails while
	// /etc/keepalived/down exists) in every instance, with weight
	// Weight[n]; weight 0 means failure is FAULT. Down is the file's state
	// once the faults stop.
	Script []bool
	Weight []int
	Down   []bool
}

// downFile is what the generated vrrp_script chk looks at.
const downFile = "/etc/keepalived/down"

// eff is node n's effective priority in instance in (keepalived
// vrrp_track.c: a succeeding script adds a positive weight, a failing one
// adds a negative weight; the result is clamped to 1..254) and whether the
// node is eligible (not FAULT because of a failing weight-0 script).
func (c propCase) eff(in propInst, n int, down bool) (int, bool) {
	p := in.Prio[n]
	if !c.Script[n] {
		return p, true
	}
	w := c.Weight[n]
	switch {
	case down && w == 0:
		return p, false
	case down && w < 0, !down && w > 0:
		p += w
	}
	return min(max(p, 1), 254), true
}

func nodeName(i int) string { return "n" + strconv.Itoa(i+1) }

func nodeAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, byte(10 + i)}) }

func nodeAddr6(i int) netip.Addr { return netip.MustParseAddr(fmt.Sprintf("fd00::%x", 0x10+i)) }

func genCase(t *rapid.T) propCase {
	c := propCase{
		Seed:  rapid.Int64().Draw(t, "simSeed"),
		Nodes: rapid.IntRange(2, 5).Draw(t, "nodes"),
	}
	nv := rapid.IntRange(1, 3).Draw(t, "vrids")
	vrids := rapid.SliceOfNDistinct(rapid.IntRange(1, 255), nv, nv, rapid.ID[int]).Draw(t, "vridList")
	for k, vrid := range vrids {
		in := propInst{VRID: vrid, Version: rapid.SampledFrom([]int{2, 3}).Draw(t, "version"),
			VIP: netip.AddrFrom4([4]byte{10, 0, 1, byte(k + 1)})}
		in.Advert = time.Second
		if in.Version == 3 {
			in.Advert = rapid.SampledFrom([]time.Duration{500 * time.Millisecond, time.Second}).Draw(t, "advert")
			in.IPv6 = rapid.IntRange(0, 3).Draw(t, "ipv6") == 0
		}
		if in.IPv6 {
			in.VIP = netip.MustParseAddr(fmt.Sprintf("fd00::1:%d", k+1))
		}
		in.Unicast = rapid.IntRange(0, 3).Draw(t, "unicast") == 0
		members := 0
		for n := range c.Nodes {
			p := 0
			if rapid.IntRange(0, 9).Draw(t, "member") > 0 || n < 2 && members < 2 {
				// A small priority range makes ties (broken by address) likely.
				p = rapid.SampledFrom([]int{1, 50, 99, 100, 100, 150, 200, 254}).Draw(t, "prio")
				members++
			}
			np := p > 0 && rapid.IntRange(0, 3).Draw(t, "nopreempt") == 0
			in.Prio = append(in.Prio, p)
			in.Nopreempt = append(in.Nopreempt, np)
			in.Master = append(in.Master, p > 0 && !np && rapid.Bool().Draw(t, "stateMaster"))
			var pd time.Duration
			if p > 0 && !np && !in.Master[n] {
				pd = rapid.SampledFrom([]time.Duration{0, 0, 0, time.Second, 2 * time.Second}).Draw(t, "preemptDelay")
			}
			in.PreemptDelay = append(in.PreemptDelay, pd)
			adv := in.Advert
			if in.Version == 3 && rapid.IntRange(0, 3).Draw(t, "ownAdvert") == 0 {
				adv = rapid.SampledFrom([]time.Duration{500 * time.Millisecond, time.Second}).Draw(t, "nodeAdvert")
			}
			in.NodeAdvert = append(in.NodeAdvert, adv)
		}
		for n, a := range in.NodeAdvert {
			if in.Prio[n] > 0 {
				in.Advert = max(in.Advert, a)
			}
		}
		c.Insts = append(c.Insts, in)
	}
	nf := rapid.IntRange(0, 12).Draw(t, "faults")
	for range nf {
		f := propFault{
			At:   time.Duration(rapid.IntRange(0, int(propFaultSpan/time.Millisecond)-1).Draw(t, "at")) * time.Millisecond,
			Kind: rapid.SampledFrom([]string{"daemon", "daemon", "link", "partition", "oneway", "bridge", "loss", "delay", "dup", "heal", "file", "clock", "reload", "vipdel"}).Draw(t, "kind"),
			A:    rapid.IntRange(0, c.Nodes-1).Draw(t, "a"),
			B:    rapid.IntRange(0, c.Nodes-1).Draw(t, "b"),
		}
		switch f.Kind {
		case "daemon":
			f.Mode = rapid.SampledFrom([]string{"kill", "stop", "pause"}).Draw(t, "mode")
		case "loss", "dup":
			f.Pct = float64(rapid.SampledFrom([]int{10, 30, 60, 100}).Draw(t, "pct"))
		case "delay":
			f.D = time.Duration(rapid.IntRange(0, 300).Draw(t, "delayMs")) * time.Millisecond
		case "partition", "bridge":
			for range c.Nodes {
				f.Grp = append(f.Grp, rapid.IntRange(0, 2).Draw(t, "group"))
			}
		case "clock":
			f.Pct = rapid.SampledFrom([]float64{0.25, 0.9, 1.1, 3}).Draw(t, "rate")
		}
		c.Faults = append(c.Faults, f)
	}
	slices.SortStableFunc(c.Faults, func(a, b propFault) int { return cmp.Compare(a.At, b.At) })
	ng := rapid.IntRange(1, 3).Draw(t, "stableGroups")
	for range c.Nodes {
		c.Groups = append(c.Groups, rapid.IntRange(0, ng-1).Draw(t, "stableGroup"))
		c.LinkDown = append(c.LinkDown, rapid.IntRange(0, 5).Draw(t, "stableLinkDown") == 0)
		sc := rapid.IntRange(0, 2).Draw(t, "script") == 0
		c.Script = append(c.Script, sc)
		w := 0
		if sc {
			w = rapid.SampledFrom([]int{-100, -50, -2, 0, 2, 50}).Draw(t, "weight")
		}
		c.Weight = append(c.Weight, w)
		c.Down = append(c.Down, sc && rapid.Bool().Draw(t, "down"))
	}
	return c
}

// config renders node n's keepalived.conf.
func (c propCase) config(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global_defs {\n    router_id %s\n}\n", nodeName(n))
	if c.Script[n] {
		fmt.Fprintf(&b, "vrrp_script chk {\n    script \"[[ ! -f %s ]]\"\n    interval 1\n    weight %d\n}\n", downFile, c.Weight[n])
	}
	for _, in := range c.Insts {
		if in.Prio[n] == 0 {
			continue
		}
		state := "BACKUP"
		if in.Master[n] {
			state = "MASTER"
		}
		fmt.Fprintf(&b, "vrrp_instance VI_%d {\n    state %s\n    interface eth0\n    version %d\n", in.VRID, state, in.Version)
		fmt.Fprintf(&b, "    virtual_router_id %d\n    priority %d\n    advert_int %g\n", in.VRID, in.Prio[n], in.NodeAdvert[n].Seconds())
		if in.Nopreempt[n] {
			b.WriteString("    nopreempt\n")
		}
		if d := in.PreemptDelay[n]; d > 0 {
			fmt.Fprintf(&b, "    preempt_delay %g\n", d.Seconds())
		}
		if c.Script[n] {
			b.WriteString("    track_script {\n        chk\n    }\n")
		}
		if in.Unicast {
			src := nodeAddr(n)
			if in.IPv6 {
				src = nodeAddr6(n)
			}
			fmt.Fprintf(&b, "    unicast_src_ip %s\n    unicast_peer {\n", src)
			for m := range c.Nodes {
				if m != n && in.Prio[m] > 0 {
					peer := nodeAddr(m)
					if in.IPv6 {
						peer = nodeAddr6(m)
					}
					fmt.Fprintf(&b, "        %s\n", peer)
				}
			}
			b.WriteString("    }\n")
		}
		bits := 24
		if in.IPv6 {
			bits = 64
		}
		fmt.Fprintf(&b, "    virtual_ipaddress {\n        %s/%d\n    }\n}\n", in.VIP, bits)
	}
	return b.String()
}

// skew is keepalived's Skew_Time in microsecond arithmetic.
func skew(prio int, adv time.Duration) time.Duration {
	return time.Duration(int64(256-prio)*adv.Microseconds()/256) * time.Microsecond
}

func checkTopology(t *rapid.T) {
	c := genCase(t)
	// Every daemon is keepalived's model: start latency, stop duration,
	// timer lateness and receive latency drawn per case (issue 9).
	w := sim.NewWorld(sim.Options{Seed: c.Seed, Model: sim.Keepalived227})
	if err := w.AddSegment("lan"); err != nil {
		t.Fatal(err)
	}
	for n := range c.Nodes {
		if err := w.AddNode(nodeName(n), sim.Iface{Name: "eth0", Segment: "lan",
			Addrs: []netip.Prefix{netip.PrefixFrom(nodeAddr(n), 24), netip.PrefixFrom(nodeAddr6(n), 64)}}); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteFile(nodeName(n), sim.ConfigPath, []byte(c.config(n))); err != nil {
			t.Fatal(err)
		}
		if err := w.StartDaemon(nodeName(n)); err != nil {
			t.Fatalf("start %s: %v\n%s", nodeName(n), err, c.config(n))
		}
	}
	dump := func() string {
		var b strings.Builder
		for n := range c.Nodes {
			fmt.Fprintf(&b, "--- %s (%s) keepalived.conf\n%s", nodeName(n), nodeAddr(n), c.config(n))
		}
		for _, e := range w.Observations(0) {
			switch e.Kind {
			case observe.KindState, observe.KindNet, observe.KindDaemon, observe.KindLink, observe.KindAddrAdd, observe.KindAddrDel:
				b.WriteString(e.String() + "\n")
			}
		}
		return b.String()
	}

	// VIP ownership at every event: a running, unfrozen daemon holds an
	// instance's VIP exactly when that instance is MASTER (no BACKUP or
	// FAULT node keeps answering for the address; kube-vip #1385, FRR
	// #16995). Killed daemons leave their VIPs behind by design and paused
	// ones cannot act, so they are not judged until they run again.
	paused := make([]bool, c.Nodes)
	var violation string
	instNames := make([]string, len(c.Insts))
	for k, in := range c.Insts {
		instNames[k] = fmt.Sprintf("VI_%d", in.VRID)
	}
	lastCheck := time.Duration(-1)
	owned := func() bool {
		// Once per virtual instant (at its first event, so the previous
		// instant has settled): checking after every event costs more than
		// the simulation itself.
		if w.Elapsed() == lastCheck {
			return false
		}
		lastCheck = w.Elapsed()
		for k, in := range c.Insts {
			holders := w.VIPHolders(in.VIP)
			for n := range c.Nodes {
				name := nodeName(n)
				// A daemon still starting (keepalived: 10-194 ms) has not
				// removed a killed predecessor's VIPs yet.
				if in.Prio[n] == 0 || paused[n] || !w.DaemonStarted(name) {
					continue
				}
				st, ok := w.State(name, instNames[k])
				holds := slices.Contains(holders, name)
				if ok && (st == vrrp.StateMaster) != holds {
					violation = fmt.Sprintf("at %v %s %s is %s and holds %s: %v", w.Elapsed(), name, instNames[k], st, in.VIP, holds)
					return true
				}
			}
		}
		return false
	}
	run := func(d time.Duration) {
		// Let the instant of the last fault settle first: the daemon hears
		// of an address deleted behind its back in that same instant.
		w.RunFor(0)
		if w.RunUntil(d, owned) {
			t.Fatalf("VIP ownership: %s\n%s", violation, dump())
		}
	}

	// Faults.
	linkDown := make([]bool, c.Nodes)
	down := make([]bool, c.Nodes)
	setDown := func(n int, v bool) error {
		down[n] = v
		if v {
			return w.WriteFile(nodeName(n), downFile, nil)
		}
		return w.RemoveFile(nodeName(n), downFile)
	}
	for _, f := range c.Faults {
		run(f.At - w.Elapsed())
		a, b := nodeName(f.A), nodeName(f.B)
		var err error
		switch f.Kind {
		case "daemon":
			switch {
			case paused[f.A]:
				err, paused[f.A] = w.ResumeDaemon(a), false
			case !w.DaemonRunning(a):
				err = w.StartDaemon(a)
			case f.Mode == "kill":
				err = w.KillDaemon(a)
			case f.Mode == "stop":
				err = w.StopDaemon(a)
			default:
				err, paused[f.A] = w.PauseDaemon(a), true
			}
		case "link":
			linkDown[f.A] = !linkDown[f.A]
			err = w.SetLink(a, "eth0", !linkDown[f.A])
		case "partition":
			groups := make([][]string, 3)
			for n, g := range f.Grp {
				groups[g] = append(groups[g], nodeName(n))
			}
			err = w.Partition(slices.DeleteFunc(groups, func(g []string) bool { return len(g) == 0 })...)
		case "bridge":
			// Group 0 and group 2 are cut apart; node A, whatever its
			// group, is the bridge that reaches both.
			var left, right []string
			for n, g := range f.Grp {
				switch {
				case n == f.A:
				case g == 0:
					left = append(left, nodeName(n))
				case g == 2:
					right = append(right, nodeName(n))
				}
			}
			err = w.Bridge(left, a, right)
		case "clock":
			err = w.SetClockRate(a, f.Pct)
		case "reload":
			// SIGHUP with the same configuration: state must be kept.
			if w.DaemonRunning(a) && !paused[f.A] {
				err = w.ReloadDaemon(a)
			}
		case "vipdel":
			// `ip addr del` of every VIP the node holds, behind the
			// daemon's back (keepalived: MASTER -> BACKUP, priority 0).
			for _, in := range c.Insts {
				if slices.Contains(w.VIPHolders(in.VIP), a) {
					bits := 24
					if in.IPv6 {
						bits = 64
					}
					if err = w.DelAddress(a, "eth0", netip.PrefixFrom(in.VIP, bits)); err != nil {
						break
					}
				}
			}
		case "oneway":
			if a != b {
				err = w.PartitionOneWay(a, b)
			}
		case "loss":
			if a != b {
				err = w.SetLoss(a, b, f.Pct)
			}
		case "dup":
			if a != b {
				err = w.SetDuplicate(a, b, f.Pct)
			}
		case "delay":
			if a != b {
				err = w.SetDelay(a, b, f.D, f.D/2)
			}
		case "heal":
			w.ClearFaults()
		case "file":
			err = setDown(f.A, !down[f.A])
		}
		if err != nil {
			t.Fatalf("fault %+v: %v", f, err)
		}
	}
	run(propFaultSpan - w.Elapsed())

	// Faults stop. Every daemon runs again; the network settles into a
	// stable partition (c.Groups) with some links down (c.LinkDown).
	w.ClearFaults()
	for n := range c.Nodes {
		name := nodeName(n)
		err := w.SetClockRate(name, 1)
		switch {
		case err != nil:
		case paused[n]:
			err = w.ResumeDaemon(name)
		case !w.DaemonRunning(name):
			err = w.StartDaemon(name)
		}
		if err == nil && linkDown[n] != c.LinkDown[n] {
			err = w.SetLink(name, "eth0", !c.LinkDown[n])
		}
		if err == nil && down[n] != c.Down[n] {
			err = setDown(n, c.Down[n])
		}
		if err != nil {
			t.Fatalf("settle %s: %v", name, err)
		}
	}
	groups := make([][]string, 3)
	for n, g := range c.Groups {
		groups[g] = append(groups[g], nodeName(n))
	}
	if err := w.Partition(slices.DeleteFunc(groups, func(g []string) bool { return len(g) == 0 })...); err != nil {
		t.Fatal(err)
	}

	// Convergence window, for the slowest VRID: one script interval (1 s)
	// plus the script's runtime for the trackers to settle, then the
	// Master_Down_Interval of the lowest effective priority plus one advert
	// interval. With preempt_delay (keepalived.conf(5)), a preempting
	// backup accepts the lower-priority adverts of a master elected as late
	// as one MDI after the faults for preempt_delay more, then waits a
	// whole MDI: add preempt_delay + MDI.
	var window time.Duration
	for _, in := range c.Insts {
		low := 255
		var pd time.Duration
		for n, p := range in.Prio {
			if p > 0 {
				for _, d := range []bool{false, true} {
					if e, _ := c.eff(in, n, d); e < low {
						low = e
					}
				}
				pd = max(pd, in.PreemptDelay[n])
			}
		}
		mdi := 3*in.Advert + skew(low, in.Advert)
		vw := mdi + in.Advert
		if pd > 0 {
			vw += pd + mdi
		}
		window = max(window, vw)
	}
	window += time.Second + 2*sim.DefaultScriptRuntime
	healed := w.Elapsed()
	run(window + time.Microsecond)

	masters := make([]int, len(c.Insts))
	// check: in every connected group, exactly one MASTER per VRID among
	// the eligible members (link up, no failing weight-0 script), the
	// right one by effective priority, holding the VIP; the others FAULT.
	check := func(when string, group []int, linkDown []bool) {
		for k, in := range c.Insts {
			name := fmt.Sprintf("VI_%d", in.VRID)
			masters[k] = -1
			var holders []string
			for g := range 3 {
				var ms, elig []int
				for n := range c.Nodes {
					if in.Prio[n] == 0 || group[n] != g {
						continue
					}
					st, ok := w.State(nodeName(n), name)
					if !ok {
						t.Fatalf("%s: %s has no running %s\n%s", when, nodeName(n), name, dump())
					}
					if _, ok := c.eff(in, n, c.Down[n]); linkDown[n] || !ok {
						if st.String() != "FAULT" {
							t.Fatalf("%s: %s %s is %s with its link down or a failing weight-0 script, want FAULT\n%s",
								when, nodeName(n), name, st, dump())
						}
						continue
					}
					elig = append(elig, n)
					if st.String() == "MASTER" {
						ms = append(ms, n)
					}
				}
				if len(elig) == 0 {
					continue
				}
				if len(ms) != 1 {
					t.Fatalf("%s (+%v after the faults stopped): %s has %d MASTERs %v among %v, want exactly 1\n%s",
						when, w.Elapsed()-healed, name, len(ms), ms, elig, dump())
				}
				m := ms[0]
				masters[k] = m
				holders = append(holders, nodeName(m))
				pm, _ := c.eff(in, m, c.Down[m])
				for _, n := range elig {
					if pn, _ := c.eff(in, n, c.Down[n]); n != m && pn > pm && !in.Nopreempt[n] {
						t.Fatalf("%s: %s MASTER is %s (effective priority %d) but %s has %d and preempts\n%s",
							when, name, nodeName(m), pm, nodeName(n), pn, dump())
					}
				}
			}
			slices.Sort(holders)
			if h := w.VIPHolders(in.VIP); !slices.Equal(h, holders) {
				t.Fatalf("%s: the MASTERs of %s are %v but %s is held by %v\n%s", when, name, holders, in.VIP, h, dump())
			}
		}
	}
	check("stable partition", c.Groups, c.LinkDown)

	// Full heal: one connected group, every link up.
	w.Heal()
	for n := range c.Nodes {
		if c.LinkDown[n] {
			if err := w.SetLink(nodeName(n), "eth0", true); err != nil {
				t.Fatal(err)
			}
		}
	}
	healed = w.Elapsed()
	run(window + time.Microsecond)
	converged := w.Elapsed()
	one := make([]int, c.Nodes)
	up := make([]bool, c.Nodes)
	check("after heal", one, up)

	// Stable network: nothing may move.
	run(propStable)
	for _, tr := range w.Transitions() {
		if tr.At > converged {
			t.Fatalf("transition while stable: %s %s %s -> %s at %v (converged at %v)\n%s",
				tr.Node, tr.Instance, tr.From, tr.To, tr.At, converged, dump())
		}
	}
	check("after the stable window", one, up)

	// No gratuitous ARP from a node that is not MASTER of the instance,
	// over the whole run (the stream is in event order).
	state := map[string]string{}
	for _, e := range w.Observations(0) {
		key := e.Node + "/" + e.Instance
		switch e.Kind {
		case observe.KindState:
			state[key] = e.To
		case observe.KindGARP:
			if state[key] != "MASTER" {
				t.Fatalf("gratuitous ARP from %s %s in state %q at %v: %s\n%s", e.Node, e.Instance, state[key], e.At, e.Text, dump())
			}
		}
	}

	// Priority 0: stop the first VRID's MASTER; a backup takes over within
	// the Skew_Time of the highest remaining priority.
	in := c.Insts[0]
	m := masters[0]
	best := 0
	for n, p := range in.Prio {
		if e, ok := c.eff(in, n, c.Down[n]); p > 0 && ok && n != m && e > best {
			best = e
		}
	}
	if m < 0 || best == 0 {
		return // nobody eligible to take over
	}
	if err := w.StopDaemon(nodeName(m)); err != nil {
		t.Fatal(err)
	}
	// The backups learned the stopped master's interval (v3).
	// keepalived's daemon model adds at most one receive latency and one
	// timer's lateness (sim.Keepalived227).
	want := skew(best, in.NodeAdvert[m])
	slack := sim.Keepalived227.RxLatency.Quantile(1) + sim.Keepalived227.TimerLateness.Quantile(1)
	name := fmt.Sprintf("VI_%d", in.VRID)
	took := w.RunUntil(want+slack+time.Microsecond, func() bool {
		for n := range c.Nodes {
			if _, ok := c.eff(in, n, c.Down[n]); n != m && in.Prio[n] > 0 && ok {
				if st, ok := w.State(nodeName(n), name); ok && st.String() == "MASTER" {
					return true
				}
			}
		}
		return false
	})
	if !took {
		t.Fatalf("priority 0 from %s: no backup took %s over within Skew_Time %v (highest effective priority %d)\n%s",
			nodeName(m), name, want, best, dump())
	}
}
