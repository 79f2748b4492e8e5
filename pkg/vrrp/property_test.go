package vrrp

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var (
	propSources  = []netip.Addr{srcLow, srcMid, srcHigh}
	propTrackers = []string{"s1", "s2", "s3", "if1"}
	propPrios    = []uint8{0, 1, 50, 99, 100, 101, 150, 254, 255}
)

func genTrackers(t *rapid.T, label string) []TrackerRef {
	n := rapid.IntRange(0, 3).Draw(t, label+"_n")
	var out []TrackerRef
	for range n {
		kind := TrackScript
		name := rapid.SampledFrom(propTrackers).Draw(t, label+"_name")
		if name == "if1" {
			kind = TrackInterface
		}
		if rapid.IntRange(0, 5).Draw(t, label+"_file") == 0 {
			kind = TrackFile
		}
		out = append(out, TrackerRef{
			Name:    name,
			Kind:    kind,
			Weight:  rapid.SampledFrom([]int{-254, -50, -10, 0, 10, 50, 254}).Draw(t, label+"_weight"),
			Reverse: rapid.Bool().Draw(t, label+"_reverse"),
		})
	}
	return out
}

func genInstance(t *rapid.T, i int) InstanceConfig {
	names := []string{"VI_1", "VI_2", "VI_3"}
	ic := baseCfg()
	ic.Name = names[i]
	ic.VRID = uint8(51 + i)
	ic.Version = rapid.SampledFrom([]uint8{2, 3}).Draw(t, "version")
	if ic.Version == 3 {
		ic.AdvertInt = rapid.SampledFrom([]time.Duration{10 * time.Millisecond, 500 * time.Millisecond, time.Second, 3 * time.Second}).Draw(t, "advert_int")
	} else {
		ic.AdvertInt = rapid.SampledFrom([]time.Duration{time.Second, 2 * time.Second}).Draw(t, "advert_int")
	}
	ic.Priority = rapid.SampledFrom([]uint8{1, 50, 100, 150, 254, 255}).Draw(t, "priority")
	ic.WantMaster = rapid.Bool().Draw(t, "want_master")
	ic.Nopreempt = rapid.Bool().Draw(t, "nopreempt")
	ic.PreemptDelay = rapid.SampledFrom([]time.Duration{0, 0, 2 * time.Second}).Draw(t, "preempt_delay")
	ic.Unicast = rapid.IntRange(0, 3).Draw(t, "unicast") == 0
	ic.LowerPrioNoAdvert = rapid.Bool().Draw(t, "lower_prio_no_advert")
	ic.HigherPrioSendAdvert = rapid.Bool().Draw(t, "higher_prio_send_advert")
	ic.SkipCheckAdvAddr = rapid.Bool().Draw(t, "skip_check_adv_addr")
	ic.DontTrackPrimary = rapid.IntRange(0, 3).Draw(t, "dont_track_primary") == 0
	// 3 twice: the first was 0 when the engine defaulted it to 3.
	ic.DownTimerAdverts = rapid.SampledFrom([]int{3, 1, 3, 5}).Draw(t, "down_timer_adverts")
	ic.GARPMasterDelay = rapid.SampledFrom([]time.Duration{0, 5 * time.Second}).Draw(t, "garp_delay")
	ic.GARPMasterRefresh = rapid.SampledFrom([]time.Duration{0, 7 * time.Second}).Draw(t, "garp_refresh")
	ic.GARPLowerPrioRepeat = rapid.IntRange(0, 2).Draw(t, "garp_lower_prio_repeat")
	ic.GARPLowerPrioDelay = rapid.SampledFrom([]time.Duration{0, 3 * time.Second}).Draw(t, "garp_lower_prio_delay")
	if rapid.Bool().Draw(t, "auth_pass") && ic.Version == 2 {
		ic.AuthType, ic.AuthPass = AuthPass, [8]byte{'p', 'w'}
	}
	ic.Trackers = genTrackers(t, "track")
	return ic
}

func genEngineConfig(t *rapid.T) EngineConfig {
	n := rapid.IntRange(1, 3).Draw(t, "instances")
	cfg := EngineConfig{}
	for i := range n {
		cfg.Instances = append(cfg.Instances, genInstance(t, i))
	}
	if n >= 2 && rapid.Bool().Draw(t, "sync_group") {
		cfg.SyncGroups = []SyncGroupConfig{{
			Name: "G", Members: []string{"VI_1", "VI_2"},
			TrackingWeight: rapid.Bool().Draw(t, "tracking_weight"),
			Trackers:       genTrackers(t, "group_track"),
		}}
	}
	return cfg
}

// propModel drives one engine with random events and checks the
// invariants of issue 2 after every step.
type propModel struct {
	d   *driver
	cfg EngineConfig
}

func (m *propModel) statuses() map[string]Status {
	out := map[string]Status{}
	for _, s := range m.d.e.Statuses() {
		out[s.Name] = s
	}
	return out
}

func (m *propModel) step(t *rapid.T, ev Event) []Action {
	acts := m.do(t, func() []Action { return m.d.step(ev) })
	m.check(t, m.statuses())
	return acts
}

// do runs one engine call and checks its actions against the instance
// states before and after.
func (m *propModel) do(t *rapid.T, call func() []Action) []Action {
	before := m.statuses()
	acts := call()
	after := m.statuses()
	for _, a := range acts {
		switch a := a.(type) {
		case ActSendAdvert:
			b, f := before[a.Instance], after[a.Instance]
			if a.Advert.Priority != 0 {
				// Only a MASTER sends adverts with a non-zero priority.
				if b.State != StateMaster && f.State != StateMaster {
					t.Fatalf("%s: advert prio %d from %v→%v", a.Instance, a.Advert.Priority, b.State, f.State)
				}
				if a.Advert.Priority != b.EffectivePriority && a.Advert.Priority != f.EffectivePriority {
					t.Fatalf("%s: advert prio %d, effective %d→%d", a.Instance, a.Advert.Priority, b.EffectivePriority, f.EffectivePriority)
				}
			} else if b.State != StateMaster {
				t.Fatalf("%s: priority-0 advert from %v", a.Instance, b.State)
			}
		case ActGARP:
			// No gratuitous ARP outside MASTER.
			if after[a.Instance].State != StateMaster {
				t.Fatalf("%s: GARP in %v", a.Instance, after[a.Instance].State)
			}
		case ActSetTimer:
			if a.At.Before(m.d.now) {
				t.Fatalf("%s: timer %v armed in the past (%v < %v)", a.Instance, a.Timer, a.At, m.d.now)
			}
		}
	}
	return acts
}

func (m *propModel) check(t *rapid.T, sts map[string]Status) {
	for name, s := range sts {
		// VIPs held iff MASTER.
		if m.d.vips[name] != (s.State == StateMaster) {
			t.Fatalf("%s: VIPs held=%v in %v", name, m.d.vips[name], s.State)
		}
		// Effective priority within bounds; 255 only for an owner.
		if s.EffectivePriority == 0 || (s.EffectivePriority == 255) != (s.BasePriority == 255) {
			t.Fatalf("%s: effective priority %d, base %d", name, s.EffectivePriority, s.BasePriority)
		}
		// The driver's timer table agrees with the engine's.
		for k := range numTimers {
			at, armed := m.d.e.TimerDeadline(name, TimerKind(k))
			dat, darmed := m.d.timers[timerKey{name, TimerKind(k)}]
			if armed != darmed || (armed && !at.Equal(dat)) {
				t.Fatalf("%s: timer %v engine %v/%v driver %v/%v", name, TimerKind(k), armed, at, darmed, dat)
			}
			masterOnly := TimerKind(k) != TimerMasterDown
			if armed && masterOnly && s.State != StateMaster {
				t.Fatalf("%s: %v timer armed in %v", name, TimerKind(k), s.State)
			}
			if armed && !masterOnly && s.State != StateBackup {
				t.Fatalf("%s: master_down timer armed in %v", name, s.State)
			}
		}
		// A BACKUP always has Master_Down_Timer armed; a MASTER Adver_Timer.
		if _, ok := m.d.timers[timerKey{name, TimerMasterDown}]; s.State == StateBackup && !ok {
			t.Fatalf("%s: BACKUP without a down timer", name)
		}
		if _, ok := m.d.timers[timerKey{name, TimerAdvert}]; s.State == StateMaster && !ok {
			t.Fatalf("%s: MASTER without an advert timer", name)
		}
	}
	// Nothing is left behind for an instance that no longer exists.
	for k := range m.d.timers {
		if _, ok := sts[k.inst]; !ok {
			t.Fatalf("%s: timer %v left after removal", k.inst, k.kind)
		}
	}
	for name, held := range m.d.vips {
		if _, ok := sts[name]; !ok && held {
			t.Fatalf("%s: VIPs left after removal", name)
		}
	}
	// Sync group members are always in the group's state.
	for _, g := range m.cfg.SyncGroups {
		first := sts[g.Members[0]].State
		for _, n := range g.Members[1:] {
			if sts[n].State != first {
				t.Fatalf("sync group %s: %s %v, %s %v", g.Name, g.Members[0], first, n, sts[n].State)
			}
		}
	}
}

func (m *propModel) instanceNames() []string {
	var out []string
	for _, ic := range m.cfg.Instances {
		out = append(out, ic.Name)
	}
	return out
}

func (m *propModel) fireDue(t *rapid.T) {
	for {
		k, at, ok := m.d.nextTimer()
		if !ok || at.After(m.d.now) {
			return
		}
		delete(m.d.timers, k)
		m.step(t, EvTimer{Instance: k.inst, Timer: k.kind})
	}
}

func (m *propModel) sortedTimers() []timerKey {
	keys := make([]timerKey, 0, len(m.d.timers))
	for k := range m.d.timers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b timerKey) int {
		return cmp.Or(strings.Compare(a.inst, b.inst), cmp.Compare(a.kind, b.kind))
	})
	return keys
}

// Issue 2 invariants over random event sequences: VIPs held iff MASTER,
// only a MASTER sends non-zero adverts, a BACKUP always has a down timer,
// no GARP outside MASTER, effective priority in bounds, sync group
// members move together, stale timer firings do nothing, no panics.
func TestPropEngineInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := genEngineConfig(t)
		m := &propModel{d: newDriver(t, cfg), cfg: cfg}
		names := m.instanceNames()
		t.Repeat(map[string]func(*rapid.T){
			"reload": func(t *rapid.T) {
				cfg := genEngineConfig(t)
				m.do(t, func() []Action { return m.d.reload(cfg) })
				m.cfg = cfg
				names = m.instanceNames()
				m.check(t, m.statuses())
			},
			"start": func(t *rapid.T) { m.step(t, EvStart{}) },
			"stop": func(t *rapid.T) {
				if rapid.IntRange(0, 4).Draw(t, "stop_rarely") != 0 {
					t.Skip("stop is rare")
				}
				m.step(t, EvStop{})
			},
			"advance": func(t *rapid.T) {
				m.d.now = m.d.now.Add(time.Duration(rapid.IntRange(0, 3000).Draw(t, "advance_ms")) * time.Millisecond)
				m.fireDue(t)
			},
			"fireNext": func(t *rapid.T) {
				k, at, ok := m.d.nextTimer()
				if !ok {
					t.Skip("no timer")
				}
				if at.After(m.d.now) {
					m.d.now = at
				}
				delete(m.d.timers, k)
				m.step(t, EvTimer{Instance: k.inst, Timer: k.kind})
			},
			"fireRandom": func(t *rapid.T) {
				keys := m.sortedTimers()
				if len(keys) == 0 {
					t.Skip("no timer")
				}
				k := rapid.SampledFrom(keys).Draw(t, "timer")
				// Timers due before it fire first, as in a real driver.
				if at := m.d.timers[k]; at.After(m.d.now) {
					m.d.now = at
				}
				m.fireDue(t)
			},
			"staleTimer": func(t *rapid.T) {
				name := rapid.SampledFrom(names).Draw(t, "instance")
				kind := TimerKind(rapid.IntRange(0, numTimers).Draw(t, "kind"))
				if at, ok := m.d.timers[timerKey{name, kind}]; ok && !at.After(m.d.now) {
					t.Skip("timer is due: not stale")
				}
				if acts := m.step(t, EvTimer{Instance: name, Timer: kind}); len(acts) != 0 {
					t.Fatalf("stale timer %s/%v produced %v", name, kind, kinds(acts))
				}
			},
			"advert": func(t *rapid.T) {
				i := rapid.IntRange(0, len(m.cfg.Instances)-1).Draw(t, "instance")
				ic := m.cfg.Instances[i]
				src := rapid.SampledFrom(propSources).Draw(t, "src")
				ev := advFrom(ic, src, rapid.SampledFrom(propPrios).Draw(t, "prio"))
				switch rapid.IntRange(0, 9).Draw(t, "corrupt") {
				case 0:
					ev.TTL = 64
				case 1:
					ev.Advert.Version ^= 1
				case 2:
					ev.Advert.Addrs = ev.Advert.Addrs[:1]
				case 3:
					ev.Advert.AdvertIntCS += 100
				case 4:
					ev.Advert.AuthData[0] ^= 1
				}
				m.step(t, ev)
			},
			"tracker": func(t *rapid.T) {
				name := rapid.SampledFrom(propTrackers).Draw(t, "tracker")
				kind := TrackScript
				switch {
				case name == "if1":
					kind = TrackInterface
				case rapid.Bool().Draw(t, "file"):
					kind = TrackFile
				}
				m.step(t, EvTracker{
					ID:    TrackerID{Kind: kind, Name: name},
					OK:    rapid.Bool().Draw(t, "ok"),
					Value: rapid.IntRange(-100, 100).Draw(t, "value"),
				})
			},
			"interface": func(t *rapid.T) {
				m.step(t, EvInterface{Instance: rapid.SampledFrom(names).Draw(t, "instance"), Up: rapid.Bool().Draw(t, "up")})
			},
			"vipDeleted": func(t *rapid.T) {
				m.step(t, EvVIPDeleted{Instance: rapid.SampledFrom(names).Draw(t, "instance")})
			},
			"discarded": func(t *rapid.T) {
				m.step(t, EvDiscarded{Instance: rapid.SampledFrom(names).Draw(t, "instance"),
					Src: rapid.SampledFrom(propSources).Draw(t, "src"), Reason: RejectChecksum})
			},
			"sourceAddr": func(t *rapid.T) {
				src := rapid.SampledFrom(append([]netip.Addr{{}}, propSources...)).Draw(t, "src")
				m.step(t, EvSourceAddr{Instance: rapid.SampledFrom(names).Draw(t, "instance"), Addr: src})
			},
			"setPriority": func(t *rapid.T) {
				m.step(t, EvSetPriority{Instance: rapid.SampledFrom(names).Draw(t, "instance"),
					Priority: rapid.SampledFrom([]uint8{1, 99, 100, 101, 200, 255}).Draw(t, "base")})
			},
		})
	})
}

// cluster is N engines, one instance each, on a simulated LAN that
// delivers adverts at once unless a node is cut off.
type cluster struct {
	now    time.Time
	nodes  []*clusterNode
	queue  []delivery
	nopree bool
}

type clusterNode struct {
	e      *Engine
	addr   netip.Addr
	timers map[TimerKind]time.Time
	vips   bool
	cut    bool
}

type delivery struct {
	to int
	ev EvAdvert
}

func (c *cluster) step(i int, ev Event) {
	n := c.nodes[i]
	for _, a := range n.e.Step(c.now, ev) {
		switch a := a.(type) {
		case ActSetTimer:
			n.timers[a.Timer] = a.At
		case ActCancelTimer:
			delete(n.timers, a.Timer)
		case ActAddVIPs:
			n.vips = true
		case ActDelVIPs:
			n.vips = false
		case ActSendAdvert:
			if n.cut {
				continue
			}
			for j, o := range c.nodes {
				if j != i && !o.cut {
					c.queue = append(c.queue, delivery{j, EvAdvert{Instance: "VI_1", Src: n.addr, Dst: group4, TTL: 255, Advert: a.Advert}})
				}
			}
		}
	}
	for len(c.queue) > 0 {
		d := c.queue[0]
		c.queue = c.queue[1:]
		c.step(d.to, d.ev)
	}
}

func (c *cluster) runUntil(t time.Time) {
	for {
		bi, bk, found := -1, TimerKind(0), false
		var bt time.Time
		for i, n := range c.nodes {
			for k := range numTimers {
				at, ok := n.timers[TimerKind(k)]
				if ok && (!found || at.Before(bt)) {
					bi, bk, bt, found = i, TimerKind(k), at, true
				}
			}
		}
		if !found || bt.After(t) {
			break
		}
		if bt.After(c.now) {
			c.now = bt
		}
		delete(c.nodes[bi].timers, bk)
		c.step(bi, EvTimer{Instance: "VI_1", Timer: bk})
	}
	c.now = t
}

// RFC 5798 §6.4 / keepalived vrrp.c: whatever happened before (partitions,
// stops, interface failures, priority changes), once the LAN is healthy
// for a while exactly one router is MASTER, holds the VIPs, and — when
// preemption is on everywhere — it has the highest effective priority.
func TestPropClusterConverges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 4).Draw(t, "nodes")
		version := rapid.SampledFrom([]uint8{2, 3}).Draw(t, "version")
		c := &cluster{now: t0}
		for i := range n {
			ic := baseCfg()
			ic.Version = version
			ic.SrcAddr = netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + i)})
			ic.Priority = rapid.SampledFrom([]uint8{50, 100, 100, 200, 255}).Draw(t, "priority")
			ic.WantMaster = rapid.Bool().Draw(t, "want_master")
			ic.Nopreempt = rapid.IntRange(0, 4).Draw(t, "nopreempt") == 0
			ic.PreemptDelay = rapid.SampledFrom([]time.Duration{0, 0, 2 * time.Second}).Draw(t, "preempt_delay")
			ic.LowerPrioNoAdvert = rapid.Bool().Draw(t, "lower_prio_no_advert")
			c.nopree = c.nopree || ic.Nopreempt
			e, err := NewEngine(one(ic))
			if err != nil {
				t.Fatal(err)
			}
			c.nodes = append(c.nodes, &clusterNode{e: e, addr: ic.SrcAddr, timers: map[TimerKind]time.Time{}})
		}
		for i := range c.nodes {
			c.step(i, EvStart{})
		}
		node := rapid.IntRange(0, n-1)
		t.Repeat(map[string]func(*rapid.T){
			"advance": func(t *rapid.T) {
				c.runUntil(c.now.Add(time.Duration(rapid.IntRange(0, 5000).Draw(t, "ms")) * time.Millisecond))
			},
			"cut":   func(t *rapid.T) { c.nodes[node.Draw(t, "node")].cut = true },
			"heal":  func(t *rapid.T) { c.nodes[node.Draw(t, "node")].cut = false },
			"stop":  func(t *rapid.T) { c.step(node.Draw(t, "node"), EvStop{}) },
			"start": func(t *rapid.T) { c.step(node.Draw(t, "node"), EvStart{}) },
			"ifdown": func(t *rapid.T) {
				c.step(node.Draw(t, "node"), EvInterface{Instance: "VI_1", Up: false})
			},
			"ifup": func(t *rapid.T) {
				c.step(node.Draw(t, "node"), EvInterface{Instance: "VI_1", Up: true})
			},
			"priority": func(t *rapid.T) {
				c.step(node.Draw(t, "node"), EvSetPriority{Instance: "VI_1",
					Priority: rapid.SampledFrom([]uint8{50, 100, 150, 200}).Draw(t, "base")})
			},
			"": func(t *rapid.T) {
				for i, nd := range c.nodes {
					s, _ := nd.e.Status("VI_1")
					if nd.vips != (s.State == StateMaster) {
						t.Fatalf("node %d: VIPs %v in %v", i, nd.vips, s.State)
					}
				}
			},
		})
		// Settle: heal the LAN, everything up and running, wait.
		for i, nd := range c.nodes {
			nd.cut = false
			c.step(i, EvInterface{Instance: "VI_1", Up: true})
			c.step(i, EvStart{})
		}
		c.runUntil(c.now.Add(60 * time.Second))
		masters, maxPrio, masterPrio := 0, uint8(0), uint8(0)
		for _, nd := range c.nodes {
			s, _ := nd.e.Status("VI_1")
			if s.State == StateMaster {
				masters++
				masterPrio = s.EffectivePriority
			}
			maxPrio = max(maxPrio, s.EffectivePriority)
		}
		if masters != 1 {
			for i, nd := range c.nodes {
				s, _ := nd.e.Status("VI_1")
				t.Logf("node %d %v: %v prio %d", i, nd.addr, s.State, s.EffectivePriority)
			}
			t.Fatalf("%d masters after settling", masters)
		}
		// keepalived vrrp_state_backup: a BACKUP accepts equal priority
		// (no address tie-break), so only the priority is determined.
		if !c.nopree && masterPrio != maxPrio {
			t.Fatalf("MASTER has priority %d, highest is %d, with preemption on", masterPrio, maxPrio)
		}
	})
}
