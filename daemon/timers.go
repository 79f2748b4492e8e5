package daemon

import (
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

type timerKey struct {
	inst string
	kind vrrp.TimerKind
}

// driverTimer is one engine timer. Re-arming to a later deadline (every
// accepted advert pushes the Master_Down_Timer back) does not touch the
// platform: the pending callback fires at armedAt, sees the deadline moved
// and re-arms itself for the rest. Only an earlier deadline re-arms at once.
type driverTimer struct {
	at      time.Time // the engine's deadline
	armedAt time.Time // when the platform callback is due
	cancel  func()
}

func (d *Driver) setTimer(a vrrp.ActSetTimer) {
	k := timerKey{a.Instance, a.Timer}
	t, ok := d.timers[k]
	if ok && !a.At.Before(t.armedAt) {
		t.at = a.At
		return
	}
	if ok {
		t.cancel()
	}
	t = &driverTimer{at: a.At}
	d.timers[k] = t
	d.armTimer(k, t, a.At)
}

func (d *Driver) armTimer(k timerKey, t *driverTimer, at time.Time) {
	t.armedAt = at
	t.cancel = d.p.AfterFunc(at, func() {
		// A firing that lost a race with a cancel or a replacement is stale.
		if cur, ok := d.timers[k]; !ok || cur != t || !d.running {
			return
		}
		if d.now().Before(t.at) {
			d.armTimer(k, t, t.at)
			return
		}
		delete(d.timers, k)
		d.step(vrrp.EvTimer{Instance: k.inst, Timer: k.kind})
	})
}
