package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The time from a real server's failure to its removal from the IPVS
// table, and from its return to its re-adding, follow from delay_loop
// (dl), retry, delay_before_retry (dbr) and connect_timeout (ct) exactly
// (keepalived.conf(5); check_tcp.c tcp_epilog, check_http.c epilog). With
// t1 the first check after the failure (1 s + k·dl from start, warmup 0):
//
//	refused (RST):  removed at t1 + retry·dbr
//	no answer:      removed at t1 + (retry+1)·ct + retry·dbr
//	TCP_CHECK back: at the first attempt after the return; a dead server's
//	                checker tries rounds of retry+1 attempts dbr apart,
//	                rounds dl apart
//	HTTP_GET back:  a dead server's checker re-checks its failed url every
//	                max(dbr, dl); the first success clears it, the next
//	                round (dl later) reports the server up
func TestCheckerTimingFormula(t *testing.T) {
	type tc struct {
		kind            string
		dl, dbr, ct     time.Duration
		retry           int
		unanswered      bool
		failAt, backAt  time.Duration
		removed, readds time.Duration // filled by the formula below
	}
	cases := []tc{
		{kind: "TCP_CHECK", dl: 6 * time.Second, dbr: 3 * time.Second, ct: 10 * time.Second, retry: 3},
		{kind: "TCP_CHECK", dl: 6 * time.Second, dbr: 3 * time.Second, ct: 10 * time.Second, retry: 3, unanswered: true},
		{kind: "TCP_CHECK", dl: 3 * time.Second, dbr: time.Second, ct: 3 * time.Second, retry: 1},
		{kind: "TCP_CHECK", dl: time.Second, dbr: time.Second, ct: 2 * time.Second, retry: 0},
		{kind: "HTTP_GET", dl: 6 * time.Second, dbr: 3 * time.Second, ct: 3 * time.Second, retry: 3},
		{kind: "HTTP_GET", dl: 3 * time.Second, dbr: 3 * time.Second, ct: 3 * time.Second, retry: 3, unanswered: true},
		{kind: "HTTP_GET", dl: 2 * time.Second, dbr: 5 * time.Second, ct: 1 * time.Second, retry: 1},
	}
	for _, c := range cases {
		c.failAt = 20*time.Second + 500*time.Millisecond
		// The first check after the failure.
		t1 := time.Second
		for t1 <= c.failAt {
			t1 += c.dl
		}
		attempt := time.Duration(0)
		if c.unanswered {
			attempt = c.ct
		}
		c.removed = t1 + time.Duration(c.retry+1)*attempt + time.Duration(c.retry)*c.dbr
		c.backAt = c.removed + 30*time.Second + 250*time.Millisecond
		// The attempts of the dead server's checker after the removal.
		switch c.kind {
		case "TCP_CHECK":
			next := c.removed + c.dl
			for {
				done := false
				for i := 0; i <= c.retry; i++ {
					at := next + time.Duration(i)*(attempt+c.dbr)
					if at > c.backAt {
						c.readds, done = at, true
						break
					}
				}
				if done {
					break
				}
				next += time.Duration(c.retry+1)*attempt + time.Duration(c.retry)*c.dbr + c.dl
			}
		default:
			step := max(c.dbr, c.dl)
			at := c.removed + step
			for at <= c.backAt {
				at += attempt + step
			}
			c.readds = at + c.dl
		}
		name := fmt.Sprintf("%s/dl=%v,retry=%d,dbr=%v,ct=%v,unanswered=%v", c.kind, c.dl, c.retry, c.dbr, c.ct, c.unanswered)
		t.Run(name, func(t *testing.T) {
			block := fmt.Sprintf("%s {\n connect_timeout %d\n retry %d\n delay_before_retry %d\n", c.kind, c.ct/time.Second, c.retry, c.dbr/time.Second)
			if c.kind == "HTTP_GET" {
				block += " url {\n path /\n status_code 200\n }\n"
			}
			block += "}"
			w := lvsWorld(t, block)
			conf := strings.Replace(lvsConf("MASTER", 100, block), "delay_loop 6", fmt.Sprintf("delay_loop %d", c.dl/time.Second), 1)
			require.NoError(t, w.WriteFile("lvs1", ConfigPath, []byte(conf)))
			require.NoError(t, w.StartDaemon("lvs1"))
			present := func() bool { return strings.Contains(tableString(t, w, "lvs1"), "10.0.0.91:80") }
			w.RunFor(c.failAt)
			if c.unanswered {
				require.NoError(t, w.Partition([]string{"rs1"}))
			} else {
				require.NoError(t, w.StopProcess("rs1", "httpd"))
			}
			require.True(t, w.RunUntil(5*time.Minute, func() bool { return !present() }))
			require.Equal(t, c.removed, w.Elapsed(), "removal")
			w.RunFor(c.backAt - w.Elapsed())
			if c.unanswered {
				w.Heal()
			} else {
				require.NoError(t, w.StartProcess("rs1", "httpd"))
			}
			require.True(t, w.RunUntil(5*time.Minute, present))
			require.Equal(t, c.readds, w.Elapsed(), "re-adding")
		})
	}
}
