package vrrp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// t0 is an arbitrary non-zero start time for the tests' virtual clock.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type timerKey struct {
	inst string
	kind TimerKind
}

// driver is a minimal in-memory driver for engine tests: it keeps the
// timer table and the VIP bookkeeping the way a real driver does, and
// fails the test on impossible action sequences.
type driver struct {
	tb     fataler
	e      *Engine
	now    time.Time
	timers map[timerKey]time.Time
	vips   map[string]bool
	last   []Action
}

// fataler is the part of testing.TB and *rapid.T the driver needs.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func newDriver(tb fataler, cfg EngineConfig) *driver {
	tb.Helper()
	e, err := NewEngine(cfg)
	if err != nil {
		tb.Fatalf("NewEngine: %v", err)
	}
	return &driver{tb: tb, e: e, now: t0, timers: map[timerKey]time.Time{}, vips: map[string]bool{}}
}

func (d *driver) step(ev Event) []Action {
	d.tb.Helper()
	return d.apply(slices.Clone(d.e.Step(d.now, ev)))
}

func (d *driver) reload(cfg EngineConfig) []Action {
	d.tb.Helper()
	acts, err := d.e.Reload(d.now, cfg)
	if err != nil {
		d.tb.Fatalf("Reload: %v", err)
	}
	return d.apply(slices.Clone(acts))
}

func (d *driver) apply(acts []Action) []Action {
	d.tb.Helper()
	for _, a := range acts {
		switch a := a.(type) {
		case ActSetTimer:
			d.timers[timerKey{a.Instance, a.Timer}] = a.At
		case ActCancelTimer:
			delete(d.timers, timerKey{a.Instance, a.Timer})
		case ActAddVIPs:
			if d.vips[a.Instance] {
				d.tb.Fatalf("%s: AddVIPs while VIPs held", a.Instance)
			}
			d.vips[a.Instance] = true
		case ActDelVIPs:
			if !d.vips[a.Instance] {
				d.tb.Fatalf("%s: DelVIPs while no VIPs held", a.Instance)
			}
			d.vips[a.Instance] = false
		}
	}
	d.last = acts
	return acts
}

// nextTimer is the earliest pending timer (ties broken by name, kind).
func (d *driver) nextTimer() (timerKey, time.Time, bool) {
	var bk timerKey
	var bt time.Time
	found := false
	for k, at := range d.timers {
		if !found || at.Before(bt) || (at.Equal(bt) && (k.inst < bk.inst || (k.inst == bk.inst && k.kind < bk.kind))) {
			bk, bt, found = k, at, true
		}
	}
	return bk, bt, found
}

// fire delivers the pending timer k at its deadline.
func (d *driver) fire(inst string, k TimerKind) []Action {
	d.tb.Helper()
	at, ok := d.timers[timerKey{inst, k}]
	if !ok {
		d.tb.Fatalf("%s: timer %v not armed", inst, k)
	}
	if at.After(d.now) {
		d.now = at
	}
	delete(d.timers, timerKey{inst, k})
	return d.step(EvTimer{Instance: inst, Timer: k})
}

// runUntil fires every timer due up to and including t, in order, then
// sets the clock to t.
func (d *driver) runUntil(t time.Time) {
	d.tb.Helper()
	for {
		k, at, ok := d.nextTimer()
		if !ok || at.After(t) {
			break
		}
		d.fire(k.inst, k.kind)
	}
	if t.After(d.now) {
		d.now = t
	}
}

func (d *driver) state(name string) State {
	st, ok := d.e.Status(name)
	if !ok {
		d.tb.Fatalf("no instance %s", name)
	}
	return st.State
}

func (d *driver) wantState(name string, want State) {
	d.tb.Helper()
	if got := d.state(name); got != want {
		d.tb.Fatalf("%s: state %v, want %v (last actions %v)", name, got, want, d.last)
	}
}

func (d *driver) timerAt(name string, k TimerKind) time.Duration {
	d.tb.Helper()
	at, ok := d.timers[timerKey{name, k}]
	if !ok {
		d.tb.Fatalf("%s: timer %v not armed", name, k)
	}
	return at.Sub(t0)
}

var (
	srcLow  = netip.MustParseAddr("192.0.2.1")
	srcMid  = netip.MustParseAddr("192.0.2.2")
	srcHigh = netip.MustParseAddr("192.0.2.3")
	vip1    = netip.MustParseAddr("192.0.2.100")
	vip2    = netip.MustParseAddr("192.0.2.101")
)

// baseCfg is a keepalived tutorial instance: v2, VRID 51, priority 100,
// advert_int 1, two VIPs, our address 192.0.2.2, and keepalived's defaults
// spelled out as pkg/config resolves them (the engine applies none):
// vrrp_down_timer_adverts 3, vrrp_garp_master_delay 5, repeat 5, refresh
// repeat 1.
func baseCfg() InstanceConfig {
	return InstanceConfig{
		Name: "VI_1", VRID: 51, Version: 2, Priority: 100, AdvertInt: time.Second,
		SrcAddr: srcMid, VIPs: []netip.Addr{vip1, vip2},
		DownTimerAdverts: 3,
		GARPMasterDelay:  5 * time.Second, GARPMasterRepeat: 5, GARPMasterRefreshRepeat: 1,
	}
}

func one(ic InstanceConfig) EngineConfig { return EngineConfig{Instances: []InstanceConfig{ic}} }

// advFrom builds a valid received advert matching ic, from src with prio.
func advFrom(ic InstanceConfig, src netip.Addr, prio uint8) EvAdvert {
	if ic.Version == 0 {
		ic.Version = 2
	}
	a := Advert{Version: ic.Version, Type: TypeAdvertisement, VRID: ic.VRID, Priority: prio,
		AdvertIntCS: uint16(ic.AdvertInt / (10 * time.Millisecond)), Addrs: slices.Clone(ic.VIPs)}
	if ic.Version == 2 {
		a.AuthType = ic.AuthType
		a.AuthData = ic.AuthPass
	}
	dst := group4
	if ic.Unicast {
		dst = ic.SrcAddr
	}
	return EvAdvert{Instance: ic.Name, Src: src, Dst: dst, TTL: 255, Advert: a}
}

// kinds renders actions compactly for order assertions.
func kinds(acts []Action) []string {
	var out []string
	for _, a := range acts {
		switch a := a.(type) {
		case ActSendAdvert:
			out = append(out, fmt.Sprintf("advert(%d)", a.Advert.Priority))
		case ActAddVIPs:
			out = append(out, "addvips")
		case ActDelVIPs:
			out = append(out, "delvips")
		case ActGARP:
			out = append(out, fmt.Sprintf("garp(%d)", a.Repeat))
		case ActSetTimer:
			out = append(out, "set:"+a.Timer.String())
		case ActCancelTimer:
			out = append(out, "cancel:"+a.Timer.String())
		case ActStateChange:
			out = append(out, fmt.Sprintf("state:%v>%v", a.From, a.To))
		case ActLog:
			out = append(out, "log:"+a.Msg)
		case ActNotify:
			out = append(out, fmt.Sprintf("notify:%v", a.State))
		case ActGroupStateChange:
			out = append(out, fmt.Sprintf("group:%v>%v", a.From, a.To))
		case ActPriorityChange:
			out = append(out, fmt.Sprintf("prio:%d>%d", a.From, a.To))
		case ActReject:
			out = append(out, "reject:"+a.Reason.String())
		default:
			out = append(out, fmt.Sprintf("%T", a))
		}
	}
	return out
}

func has(acts []Action, s string) bool { return slices.Contains(kinds(acts), s) }
