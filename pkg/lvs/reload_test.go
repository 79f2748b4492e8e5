package lvs_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// reloadConf is two virtual servers; rs93 and the TCP_CHECK options vary.
func reloadConf(rs93, tcpTimeout, extraVS string) string {
	return `
virtual_server 10.0.0.100 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    quorum 2
    real_server 10.0.0.91 80 {
        TCP_CHECK {
            connect_timeout ` + tcpTimeout + `
        }
    }
    real_server 10.0.0.92 80 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
` + rs93 + `
}
` + extraVS
}

const otherVS = `
virtual_server 10.0.0.200 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.0.0.91 80 {
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
`

func rsLine(addr string, alpha bool) string {
	a := ""
	if alpha {
		a = "alpha\n"
	}
	return "    real_server " + addr + " 80 {\n" + a + "        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n"
}

func local(netip.Addr) bool { return false }

// ipwrapper.c clear_diff_rs / migrate_checkers: a real server that stays
// keeps its state; its checker, unchanged, hands its state on (a move);
// one that failed stays out of the table.
func TestReloadKeepsState(t *testing.T) {
	e, _ := started(t, reloadConf("", "3", otherVS))
	step(e, lvs.EvVerdict{ID: lvs.CheckerID{VS: 0, RS: 1, Checker: 0}, Up: false}) // .92 dead
	require.False(t, e.Alive(0, 1))

	acts, moves := e.Reload(load(t, reloadConf("", "3", otherVS)), local)
	require.Contains(t, moves, lvs.CheckerMove{Old: lvs.CheckerID{VS: 0, RS: 1}, New: lvs.CheckerID{VS: 0, RS: 1}})
	require.Len(t, moves, 3)
	require.False(t, e.Alive(0, 1), "a dead server came back on reload")
	require.True(t, e.Alive(0, 0))
	require.Equal(t, lvs.CheckerState{Up: false, HasRun: true}, e.Checker(lvs.CheckerID{VS: 0, RS: 1}))
	require.NotContains(t, logs(acts), "Adding service")
	require.Equal(t, "[10.0.0.100]:tcp:80 rr\n  -> 10.0.0.91:80 Route 1\n[10.0.0.200]:tcp:80 rr\n  -> 10.0.0.91:80 Route 1\n", table(e))
}

// clear_diff_services / clear_diff_rs: what left the configuration goes,
// with keepalived's lines; a new real server starts alive (init_service_rs)
// unless its checker is alpha (check_new_rs_state).
func TestReloadAddsAndRemoves(t *testing.T) {
	e, _ := started(t, reloadConf(rsLine("10.0.0.93", false), "3", otherVS))
	acts, _ := e.Reload(load(t, reloadConf(rsLine("10.0.0.94", false)+rsLine("10.0.0.95", true), "3", "")), local)
	l := logs(acts)
	require.Contains(t, l, "Removing Virtual Server [10.0.0.200]:tcp:80\n")
	require.Contains(t, l, "service [10.0.0.93]:tcp:80 no longer exist\n")
	got := table(e)
	require.Contains(t, got, "10.0.0.94:80 Route 1")
	require.NotContains(t, got, "10.0.0.95")
	require.NotContains(t, got, "10.0.0.93")
	require.NotContains(t, got, "10.0.0.200")
	require.True(t, e.Owns(lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.100"), Port: 80}))
	require.False(t, e.Owns(lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.200"), Port: 80}))
	// After a reload, one failure is no longer enough for a new checker
	// (validate_check_config skips it on reload).
	require.False(t, e.Checker(lvs.CheckerID{VS: 0, RS: 2}).OneFailure)
}

// compare_conn_opts: a checker whose connect_timeout changed is a new
// checker; a dead server with no failed checker left "needs to be up"
// (migrate_checkers), and its new checkers get "one failure is enough".
func TestReloadChangedCheckerRevivesDeadServer(t *testing.T) {
	e, _ := started(t, reloadConf("", "3", ""))
	step(e, lvs.EvVerdict{ID: lvs.CheckerID{VS: 0, RS: 0, Checker: 0}, Up: false})
	require.False(t, e.Alive(0, 0))
	acts, moves := e.Reload(load(t, reloadConf("", "5", "")), local)
	require.NotContains(t, moves, lvs.CheckerMove{Old: lvs.CheckerID{VS: 0, RS: 0}, New: lvs.CheckerID{VS: 0, RS: 0}}, "a changed checker took the old state")
	require.True(t, e.Alive(0, 0))
	require.Contains(t, logs(acts), "Adding service [10.0.0.91]:tcp:80 to VS [10.0.0.100]:tcp:80")
	require.True(t, e.Checker(lvs.CheckerID{VS: 0, RS: 0}).OneFailure)
}

// The quorum state is carried over: no "Gained quorum" again.
func TestReloadKeepsQuorum(t *testing.T) {
	e, acts := started(t, reloadConf("", "3", ""))
	require.Contains(t, logs(acts), "Gained quorum")
	acts, _ = e.Reload(load(t, reloadConf("", "3", "")), local)
	require.False(t, strings.Contains(logs(acts), "quorum"), logs(acts))
	require.True(t, e.QuorumUp(0))
}
