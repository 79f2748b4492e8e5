package daemon

import (
	"fmt"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// What strangers on the LAN send must not cost the daemon memory or disk:
// keepalived 2.2.7 logs every bad packet (≥ 2.3 rate-limits them); a
// flood of forged adverts would fill syslog. Every log line about a
// rejected or foreign packet goes through logLimiter; the state kept per
// sender (splitSeen) has a hard size.
const (
	// logWindow and logBurst: per reason, at most logBurst lines per
	// logWindow; the rest are counted and summed up in one line when the
	// window ends ("N more … messages suppressed"). Measured in the
	// platform's clock, so the simulator stays deterministic.
	logWindow = time.Second
	logBurst  = 10

	// splitSeenMax bounds the split-brain de-duplication table (one entry
	// per instance, VIP and evidence, sender included, for
	// splitBrainQuiet). Far above the senders a real LAN has in one
	// second; beyond it, reports wait for entries to expire.
	splitSeenMax = 256
)

// limitSplitBrain is the logLimiter key of split-brain warnings; the
// reject reasons use their own values below it.
const limitSplitBrain = 63

type logLimiter struct {
	buckets [limitSplitBrain + 1]logBucket
	cancel  func() // the pending summary, if any
}

type logBucket struct {
	start      time.Time // of the current window; zero: none yet
	n          int       // lines logged in the window
	suppressed int       // lines not logged in the window
}

func limitKey(r vrrp.RejectReason) int { return min(int(r), limitSplitBrain-1) }

func limitName(k int) string {
	if k == limitSplitBrain {
		return "split brain"
	}
	return vrrp.RejectReason(k).String()
}

// allow reports whether one more line for key may be logged now; if not,
// it is counted for the summary.
func (d *Driver) allow(key int) bool {
	now := d.now()
	b := &d.logs.buckets[key]
	if b.start.IsZero() || now.Sub(b.start) >= logWindow {
		d.summarise(key, b)
		b.start, b.n = now, 0
	}
	if b.n < logBurst {
		b.n++
		return true
	}
	b.suppressed++
	if d.logs.cancel == nil && d.running {
		d.logs.cancel = d.p.AfterFunc(b.start.Add(logWindow), d.flushLogs)
	}
	return false
}

// summarise logs and reports the lines of key's ended window that were
// suppressed.
func (d *Driver) summarise(key int, b *logBucket) {
	if b.suppressed == 0 {
		return
	}
	msg := fmt.Sprintf("%d more %q messages suppressed in %v", b.suppressed, limitName(key), logWindow)
	d.log.Warn(msg)
	r := Report{Kind: ReportSuppressed, Text: msg}
	if key != limitSplitBrain {
		r.Reason = vrrp.RejectReason(key)
	}
	d.p.Report(r)
	b.suppressed = 0
}

// flushLogs is the summary timer: every window that has ended sums up;
// one still open re-arms it.
func (d *Driver) flushLogs() {
	d.logs.cancel = nil
	now := d.now()
	var next time.Time
	for k := range d.logs.buckets {
		b := &d.logs.buckets[k]
		if b.suppressed == 0 {
			continue
		}
		if end := b.start.Add(logWindow); now.Before(end) {
			if next.IsZero() || end.Before(next) {
				next = end
			}
			continue
		}
		d.summarise(k, b)
		b.start, b.n = time.Time{}, 0
	}
	if !next.IsZero() && d.running {
		d.logs.cancel = d.p.AfterFunc(next, d.flushLogs)
	}
}

// stopLogs cancels the pending summary (Stop).
func (d *Driver) stopLogs() {
	if d.logs.cancel != nil {
		d.logs.cancel()
		d.logs.cancel = nil
	}
}
