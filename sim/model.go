package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Dist is a distribution of durations given by evenly spaced quantiles:
// Dist{a, b, c} has its minimum at a, its median at b and its maximum at
// c; a draw takes u uniform in [0, 1) from the world's random source and
// interpolates linearly between the two quantiles around it. One value is
// a constant (no draw); an empty Dist is zero (no draw), so a model made
// of empty Dists leaves the world's random sequence untouched.
type Dist []time.Duration

// draw samples d with rng.
func (d Dist) draw(rng *rand.Rand) time.Duration {
	switch len(d) {
	case 0:
		return 0
	case 1:
		return d[0]
	}
	x := rng.Float64() * float64(len(d)-1)
	i := int(x)
	if i >= len(d)-1 {
		return d[len(d)-1]
	}
	return d[i] + time.Duration((x-float64(i))*float64(d[i+1]-d[i]))
}

// Quantile is the value at cumulative probability p in [0, 1].
func (d Dist) Quantile(p float64) time.Duration {
	switch len(d) {
	case 0:
		return 0
	case 1:
		return d[0]
	}
	x := p * float64(len(d)-1)
	i := min(int(x), len(d)-2)
	return d[i] + time.Duration((x-float64(i))*float64(d[i+1]-d[i]))
}

func (d Dist) check(what string) error {
	for i, v := range d {
		if v < 0 || v > MaxModelDuration {
			return fmt.Errorf("sim: %s quantile %d: %v outside [0, %v]", what, i, v, MaxModelDuration)
		}
		if i > 0 && v < d[i-1] {
			return fmt.Errorf("sim: %s quantiles must not decrease (%v after %v)", what, v, d[i-1])
		}
	}
	return nil
}

// MaxModelDuration bounds every value of a DaemonModel.
const MaxModelDuration = time.Minute

// DaemonModel is what a node's daemon process costs in time, beside what
// the protocol says: how long it takes to start and to stop, how late its
// timers fire and how long a datagram takes from the wire to its receive
// path. Every draw comes from the world's one random source, in event
// order, so the same seed gives the same trace. The zero model (Ideal) is
// the exact simulator: everything at once, to the nanosecond.
type DaemonModel struct {
	// Name is what a scenario's `daemon NODE NAME` line says.
	Name string
	// StartLatency is the time from exec to the VRRP engine starting
	// (keepalived: "(VI_1) Entering BACKUP STATE (init)"); until then the
	// process exists but hears nothing and has no state.
	StartLatency Dist
	// StopDuration is the time from SIGTERM to the process's exit. The
	// priority-0 adverts and the VIPs' removal happen at once (keepalived
	// vrrp_terminate_phase1); a start asked for meanwhile (restart,
	// `systemctl stop` then `start`) begins when the old process is gone.
	StopDuration Dist
	// TimerLateness is how late each timer fires after its deadline (the
	// kernel's timer slack and the wake-up of the daemon's event loop).
	// keepalived computes the next advert from the moment it sent the
	// last one, so a MASTER's advert period is advert_int plus it.
	TimerLateness Dist
	// RxLatency is the time from a datagram's sending to the receiving
	// daemon's receive path (wire, bridge, socket wake-up), drawn per
	// receiver and copy, on top of any delay the scenario sets.
	RxLatency Dist
	// NoRephaseOnRejected is gokeepalived's difference from keepalived
	// 2.2.7: a MASTER does not restart its advert timer after a packet
	// that failed the checks (daemon.RephaseOnRejected), so forged
	// packets cannot silence it.
	NoRephaseOnRejected bool
}

// Ideal is the exact simulator: no start latency, no stop duration, timers
// on their deadline, packets delivered in the instant they are sent.
// sim.Options without a model use it.
var Ideal = DaemonModel{Name: "ideal"}

// Keepalived227 is the Debian keepalived 2.2.7 binary as measured in
// network namespaces on the project's machine (docs/scenarios.md, "What
// the simulator models"):
//
//   - start: exec to "(VI_1) Entering BACKUP STATE (init)" took 10-194 ms,
//     median 16 ms, over 239 starts; two daemons started together differed
//     by more than 3.9 ms in about one pair in six. The quantiles below (one
//     every 5 %) keep those figures: the bulk between 13 and 19 ms, one
//     start in twenty slower, up to 194 ms; two draws differ by more than
//     3.9 ms in 17 % of pairs (TestKeepalivedModelMatchesMeasurements).
//   - stop: SIGTERM to exit 1.01 s (vrrp_daemon.c vrrp_terminate_phase1
//     arms a 1 s shutdown timer, TIMER_HZ, "to let an IGMP leave go out");
//     the priority-0 advert and the VIPs' removal come within 0.3 ms of the
//     signal, which the model rounds to at once.
//   - timers: a lone MASTER's advert period was advert_int + 0.17-0.52 ms
//     (median 0.34 ms) in tcpdump captures on the bridge.
//   - receive: a veth pair and a bridge between two namespaces; the wire
//     and socket wake-up are tens of microseconds. (A MASTER's answer to a
//     lower-priority advert left 2.9-12 ms after it on a loaded machine
//     with detailed console logging: an upper bound, not a typical value.)
var Keepalived227 = DaemonModel{
	Name:          "keepalived",
	StartLatency:  Dist{10 * ms, 13 * ms, 14 * ms, 14600 * us, 15 * ms, 15300 * us, 15500 * us, 15700 * us, 15850 * us, 15950 * us, 16 * ms, 16100 * us, 16200 * us, 16350 * us, 16500 * us, 16700 * us, 16950 * us, 17300 * us, 17800 * us, 19 * ms, 194 * ms},
	StopDuration:  Dist{1003 * ms, 1010 * ms, 1025 * ms},
	TimerLateness: Dist{170 * us, 340 * us, 520 * us},
	RxLatency:     Dist{30 * us, 60 * us, 150 * us},
}

// GoKeepalived is gokeepalived's own daemon: keepalived's timing figures
// (Keepalived227) and its one behaviour of its own, NoRephaseOnRejected.
var GoKeepalived = func() DaemonModel {
	m := Keepalived227
	m.Name, m.NoRephaseOnRejected = "gokeepalived", true
	return m
}()

const (
	us = time.Microsecond
	ms = time.Millisecond
)

// DaemonModels are the models a scenario can name.
func DaemonModels() []DaemonModel {
	return []DaemonModel{Keepalived227, GoKeepalived, Ideal}
}

// LookupDaemonModel finds a model by name.
func LookupDaemonModel(name string) (DaemonModel, bool) {
	i := slices.IndexFunc(DaemonModels(), func(m DaemonModel) bool { return m.Name == name })
	if i < 0 {
		return DaemonModel{}, false
	}
	return DaemonModels()[i], true
}

func (m DaemonModel) check() error {
	for _, c := range []struct {
		what string
		d    Dist
	}{{"start latency", m.StartLatency}, {"stop duration", m.StopDuration}, {"timer lateness", m.TimerLateness}, {"receive latency", m.RxLatency}} {
		if err := c.d.check(c.what); err != nil {
			return err
		}
	}
	return nil
}

// SetDaemonModel sets the model of node's daemon processes (the next start
// and every timer and packet from now on).
func (w *World) SetDaemonModel(node string, m DaemonModel) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	if err := m.check(); err != nil {
		return err
	}
	n.model = m
	w.obs.event(node, "", "daemon", "model "+m.Name)
	return nil
}
