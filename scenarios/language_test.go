package scenarios

import (
	"context"
	"strings"
	"testing"
)

// langPair is two nodes with VI_1 (a 150, b 100) and a notify script on
// a, and a third node c without a daemon. The daemons are ideal (no start
// latency or stop duration): these tests are about the language's
// instants.
const langPair = limitPair + "node c eth0@lan 10.0.0.4/24\ndaemon a b ideal\n" + `write a /etc/keepalived/notify.sh mode 0755 <<EOF
#!/bin/sh
exit 0
EOF
config a <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 150
    advert_int 1
    notify /etc/keepalived/notify.sh
    virtual_ipaddress {
        10.0.0.3
    }
}
EOF
config b <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.3
    }
}
EOF
start a b
vip 10.0.0.3 on a within 5s
`

// runLang runs src after langPair and returns the verdicts of the lines
// it added, by their text.
func runLang(t *testing.T, src string) map[string]Verdict {
	t.Helper()
	sc, err := Parse("lang.scn", []byte(langPair+src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunScenario(context.Background(), sc, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.StepErrors) > 0 {
		t.Fatalf("step errors: %v", res.StepErrors)
	}
	out := map[string]Verdict{}
	for _, v := range res.Verdicts {
		out[v.Text] = v
	}
	return out
}

func wantVerdicts(t *testing.T, got map[string]Verdict, pass, fail []string) {
	t.Helper()
	for _, e := range pass {
		if v, ok := got[e]; !ok || !v.Pass {
			t.Errorf("%q: %+v, want PASS", e, v)
		}
	}
	for _, e := range fail {
		if v, ok := got[e]; !ok || v.Pass {
			t.Errorf("%q: %+v, want FAIL", e, v)
		}
	}
}

// issue 9: `since MARK` counts what the steps after the mark cause in the
// mark's own instant: a mark followed by a restart counts the restart's
// two transitions (MASTER -> STOP, INIT -> BACKUP) and notify runs.
func TestSinceMarkCountsItsInstant(t *testing.T) {
	got := runLang(t, `mark m
restart a
transitions a VI_1 == 2 since m
notify a /etc/keepalived/notify.sh INSTANCE VI_1 STOP "*" count == 1 since m
notify a /etc/keepalived/notify.sh INSTANCE VI_1 BACKUP "*" count == 1 since m
transitions a VI_1 == 4
transitions b VI_1 == 0 since m
`)
	wantVerdicts(t, got, []string{
		"transitions a VI_1 == 2 since m",
		`notify a /etc/keepalived/notify.sh INSTANCE VI_1 STOP "*" count == 1 since m`,
		`notify a /etc/keepalived/notify.sh INSTANCE VI_1 BACKUP "*" count == 1 since m`,
		"transitions a VI_1 == 4",
		"transitions b VI_1 == 0 since m",
	}, nil)
	// What happened before the mark, in the same instant, is not counted.
	got = runLang(t, `restart a
mark m
transitions a VI_1 == 0 since m
`)
	wantVerdicts(t, got, []string{"transitions a VI_1 == 0 since m"}, nil)
}

// issue 9: outcomes that may legitimately vary: exactly one holder, any
// of the named nodes; an instance in any of the named states.
func TestOneOf(t *testing.T) {
	got := runLang(t, `vip 10.0.0.3 on one of b a
vip 10.0.0.3 on one of b c
state a VI_1 one of BACKUP MASTER
state b VI_1 one of MASTER FAULT
state b VI_1 one of backup
kill a
vip 10.0.0.3 on one of a b for 5s
`)
	wantVerdicts(t, got, []string{
		"vip 10.0.0.3 on one of b a",
		"state a VI_1 one of BACKUP MASTER",
		"state b VI_1 one of backup",
	}, []string{
		"vip 10.0.0.3 on one of b c",
		"state b VI_1 one of MASTER FAULT",
		// Both hold it once b takes over from the killed a: not exactly one.
		"vip 10.0.0.3 on one of a b for 5s",
	})
	for _, c := range []struct{ src, want string }{
		{"vip 10.0.0.3 on one of a\n", "lang.scn:34: vip 10.0.0.3 on one of: name at least two nodes"},
		{"vip 10.0.0.3 on one of a zz\n", `lang.scn:34: unknown node "zz"`},
		{"state a VI_1 one of MASTER SLEEPING\n", `lang.scn:34: state "SLEEPING"`},
		{"state a VI_1 one of\n", "lang.scn:34: usage: state NODE INSTANCE"},
	} {
		if _, err := Parse("lang.scn", []byte(langPair+c.src)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want %q", c.src, err, c.want)
		}
	}
}

// issue 9: kill-worker is kill -9 of the VRRP process only. The simulated
// daemon is one process, so it is kill -9 of everything: the VIP stays on
// a and b takes over, a split brain until a starts again.
func TestKillWorker(t *testing.T) {
	got := runLang(t, `kill-worker -9 a
vip 10.0.0.3 on a b within 5s
state a VI_1 one of MASTER BACKUP FAULT INIT STOP
start a
vip 10.0.0.3 on b
`)
	wantVerdicts(t, got, []string{"vip 10.0.0.3 on a b within 5s", "vip 10.0.0.3 on b"},
		[]string{"state a VI_1 one of MASTER BACKUP FAULT INIT STOP"}) // no daemon runs on a
}
