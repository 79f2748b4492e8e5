package vrrp

import "time"

const numTimers = int(TimerLowerPrioGARP) + 1

// timer is the engine's record of one armed timer. The engine is the
// authority: a firing (EvTimer) counts only if the timer is armed and its
// deadline has been reached, so a stale firing from a timer that was
// re-armed or cancelled meanwhile is ignored.
type timer struct {
	at    time.Time
	armed bool
}

// SkewTime is Skew_Time for a router of VRRP version 2 or 3 at priority
// prio (the effective priority) with Master_Adver_Interval masterAdvInt,
// computed in microseconds exactly as keepalived 2.2.7 does (vrrp.h
// VRRP_TIMER_SKEW_CALC):
//
//	v2: (256 − prio) × 1e6 / 256 µs                      (RFC 3768 §6.1)
//	v3: (256 − prio) × (Master_Adver_Interval/10ms) × 625/16 µs  (RFC 5798 §6.1)
//
// Integer division in the same order keeps the rounding identical. A v2
// Skew_Time does not depend on the advert interval.
func SkewTime(version, prio uint8, masterAdvInt time.Duration) time.Duration {
	p := int64(256 - int(prio))
	if version == 3 {
		cs := int64(masterAdvInt / (10 * time.Millisecond))
		return time.Duration(p*cs*625/16) * time.Microsecond
	}
	return time.Duration(p*1000000/256) * time.Microsecond
}

// MasterDownInterval is Master_Down_Interval = down_timer_adverts ×
// Master_Adver_Interval + Skew_Time (RFC 5798 §6.1; keepalived
// VRRP_MS_DOWN_TIMER): how long a backup at priority prio waits for a
// master that advertises every masterAdvInt. This is the engine's own
// formula; everything else that needs it (scenario deadlines, the loss
// sweep) asks here.
func MasterDownInterval(version, prio uint8, masterAdvInt time.Duration, downTimerAdverts int) time.Duration {
	return time.Duration(downTimerAdverts)*masterAdvInt + SkewTime(version, prio, masterAdvInt)
}

// skew is the instance's Skew_Time at its effective priority.
func (in *instance) skew() time.Duration {
	return SkewTime(in.cfg.Version, in.eff, in.masterAdvInt)
}

// masterDown is the instance's Master_Down_Interval.
func (in *instance) masterDown() time.Duration {
	return MasterDownInterval(in.cfg.Version, in.eff, in.masterAdvInt, in.cfg.DownTimerAdverts)
}

// ownerDown is the down timer of an address owner leaving FAULT:
// adver_int + Skew_Time (keepalived 2.2.7 vrrp_state_leave_fault).
func (in *instance) ownerDown() time.Duration {
	return in.masterAdvInt + in.skew()
}

func (e *Engine) setTimer(in *instance, k TimerKind, at time.Time) {
	in.timers[k] = timer{at: at, armed: true}
	e.emit(ActSetTimer{Instance: in.cfg.Name, Timer: k, At: at})
}

func (e *Engine) cancelTimer(in *instance, k TimerKind) {
	if !in.timers[k].armed {
		return
	}
	in.timers[k] = timer{}
	e.emit(ActCancelTimer{Instance: in.cfg.Name, Timer: k})
}

func (e *Engine) cancelAllTimers(in *instance) {
	for k := range numTimers {
		e.cancelTimer(in, TimerKind(k))
	}
}

func (e *Engine) cancelMasterTimers(in *instance) {
	e.cancelTimer(in, TimerAdvert)
	e.cancelTimer(in, TimerGARPDelay)
	e.cancelTimer(in, TimerGARPRefresh)
	e.cancelTimer(in, TimerLowerPrioGARP)
}

// armDown (re)arms Master_Down_Timer for dur from now, or from the end of
// vrrp_startup_delay while it lasts (keepalived vrrp_scheduler.c
// vrrp_init_instance_sands: `if (timercmp(&time_now,
// &vrrp_delayed_start_time, <)) vrrp->sands =
// timer_add_long(vrrp_delayed_start_time, vrrp->ms_down_timer)`).
func (e *Engine) armDown(now time.Time, in *instance, dur time.Duration) {
	from := now
	if now.Before(e.delayedUntil) {
		from = e.delayedUntil
	}
	e.setTimer(in, TimerMasterDown, from.Add(dur))
}

// beginDelay starts vrrp_startup_delay at the first EvStart (vrrp_daemon.c
// start_vrrp: `if (!reload && global_data->vrrp_startup_delay)`).
func (e *Engine) beginDelay(now time.Time) {
	if e.begun {
		return
	}
	e.begun = true
	if e.startDelay > 0 {
		e.delayedUntil = now.Add(e.startDelay)
	}
}

// backupIgnored is what keepalived 2.2.7 does to a BACKUP's down timer
// after a packet it did not accept (a rejected or a lower-priority
// advert): vrrp_state_backup sets ms_down_timer to what is left of it
// (sands − now) and vrrp_dispatcher_read re-arms sands from that, which
// leaves the deadline where it was; but within vrrp_startup_delay
// vrrp_init_instance_sands counts from the end of the delay, so every
// such packet pushes the deadline back by what remains of the delay
// (measured: a priority-200 backup started with vrrp_startup_delay 8 next
// to a priority-100 master was still BACKUP 16 s after its start).
func (e *Engine) backupIgnored(now time.Time, in *instance) {
	t := in.timers[TimerMasterDown]
	if !now.Before(e.delayedUntil) || !t.armed {
		return
	}
	e.armDown(now, in, max(t.at.Sub(now), 0))
}

// onTimer handles a timer firing. Early or stale firings are ignored.
func (e *Engine) onTimer(now time.Time, in *instance, k TimerKind) {
	if int(k) >= numTimers {
		return
	}
	t := &in.timers[k]
	if !t.armed || now.Before(t.at) {
		return
	}
	*t = timer{}
	switch k {
	case TimerAdvert:
		if in.state == StateMaster {
			// RFC 5798 §6.4.3: Adver_Timer fires → send an advert, re-arm.
			e.sendAdvert(in, in.eff)
			e.setTimer(in, TimerAdvert, now.Add(in.cfg.AdvertInt))
		}
	case TimerMasterDown:
		if in.state == StateBackup {
			e.masterDownExpired(now, in)
		}
	case TimerGARPDelay:
		if in.state == StateMaster {
			e.emit(ActGARP{Instance: in.cfg.Name, Repeat: in.cfg.GARPMasterRepeat})
		}
	case TimerGARPRefresh:
		if in.state == StateMaster {
			e.emit(ActGARP{Instance: in.cfg.Name, Repeat: in.cfg.GARPMasterRefreshRepeat})
			if in.cfg.GARPMasterRefresh > 0 { // may have been turned off by a reload
				e.setTimer(in, TimerGARPRefresh, now.Add(in.cfg.GARPMasterRefresh))
			}
		}
	case TimerLowerPrioGARP:
		if in.state == StateMaster {
			e.emit(ActGARP{Instance: in.cfg.Name, Repeat: in.cfg.GARPLowerPrioRepeat})
		}
	}
}
