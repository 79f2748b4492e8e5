package lvs_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// load parses a keepalived.conf text into the LVS core's configuration.
func load(t testing.TB, conf string) lvs.Config {
	t.Helper()
	c, _, err := config.Parse("keepalived.conf", []byte(conf), config.Options{})
	require.NoError(t, err)
	lc, err := lvs.FromConfig(c)
	require.NoError(t, err)
	return lc
}

func started(t testing.TB, conf string) (*lvs.Engine, []lvs.Action) {
	t.Helper()
	e := lvs.NewEngine(load(t, conf))
	acts := slices.Clone(e.Step(lvs.EvStart{}))
	return e, acts
}

func table(e *lvs.Engine) string { return e.Desired(nil).String() }

func scripts(acts []lvs.Action) []string {
	var out []string
	for _, a := range acts {
		if a.Kind == lvs.ActNotify {
			out = append(out, a.Script.Command)
		}
	}
	return out
}

func logs(acts []lvs.Action) string {
	var b strings.Builder
	for _, a := range acts {
		if a.Kind == lvs.ActLog {
			b.WriteString(a.Msg)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func step(e *lvs.Engine, ev lvs.Event) []lvs.Action { return slices.Clone(e.Step(ev)) }

// E3 (seed 000): two DR virtual servers, rr, both real servers with
// HTTP_GET, weight 1: "Route 1" for both, whatever the checkers say later.
const e3 = `
virtual_server 172.20.0.100 80 {
    delay_loop 3
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.0.0.91 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 3
            nb_get_retry 3
            delay_before_retry 3
        }
    }
    real_server 10.0.0.92 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 3
            nb_get_retry 3
            delay_before_retry 3
        }
    }
}
virtual_server 172.20.0.101 80 {
    delay_loop 3
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.0.0.91 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
        }
    }
    real_server 10.0.0.92 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
        }
    }
}
`

func TestE3DesiredTable(t *testing.T) {
	e, acts := started(t, e3)
	require.Equal(t, `[172.20.0.100]:tcp:80 rr
  -> 10.0.0.91:80 Route 1
  -> 10.0.0.92:80 Route 1
[172.20.0.101]:tcp:80 rr
  -> 10.0.0.91:80 Route 1
  -> 10.0.0.92:80 Route 1
`, table(e))
	// set_quorum_states runs before any real server is alive, so
	// init_service_vs reports quorum gained (ipwrapper.c update_quorum_state).
	require.Contains(t, logs(acts), "Gained quorum 1+0=1 <= 2 for VS [172.20.0.100]:tcp:80\n")
}

// ipwrapper.c perform_svr_state: a real server whose checker fails is
// removed ("Removing service ... from VS ..."); E5: only the other one stays.
func TestCheckerDownRemovesAndUpReadds(t *testing.T) {
	e, _ := started(t, e3)
	acts := step(e, lvs.EvVerdict{ID: lvs.CheckerID{VS: 0, RS: 0}, Up: false})
	require.Equal(t, "Removing service [10.0.0.91]:tcp:80 from VS [172.20.0.100]:tcp:80\n", logs(acts))
	require.Equal(t, `[172.20.0.100]:tcp:80 rr
  -> 10.0.0.92:80 Route 1
[172.20.0.101]:tcp:80 rr
  -> 10.0.0.91:80 Route 1
  -> 10.0.0.92:80 Route 1
`, table(e))
	acts = step(e, lvs.EvVerdict{ID: lvs.CheckerID{VS: 0, RS: 0}, Up: true})
	require.Equal(t, "Adding service [10.0.0.91]:tcp:80 to VS [172.20.0.100]:tcp:80\n", logs(acts))
	require.True(t, e.Alive(0, 0))
}

// keepalived.conf(5) inhibit_on_failure: "Set weight to 0 on healthchecker
// failure" instead of removing the server (ipvswrapper.c ipvs_cmd turns the
// DELDEST into an EDITDEST with weight 0).
func TestInhibitOnFailure(t *testing.T) {
	e, _ := started(t, `
virtual_server 10.0.0.210 80 {
    lb_algo wlc
    lb_kind DR
    protocol TCP
    inhibit_on_failure
    real_server 10.0.0.201 80 {
        weight 3
        TCP_CHECK {
            connect_timeout 10
        }
    }
    real_server 10.0.0.204 80 {
        weight 3
        TCP_CHECK {
            connect_timeout 10
        }
    }
}`)
	acts := step(e, lvs.EvVerdict{ID: lvs.CheckerID{VS: 0, RS: 1}, Up: false})
	require.Equal(t, "Disabling service [10.0.0.204]:tcp:80 of VS [10.0.0.210]:tcp:80\n", logs(acts))
	require.Equal(t, `[10.0.0.210]:tcp:80 wlc
  -> 10.0.0.201:80 Route 3
  -> 10.0.0.204:80 Route 0
`, table(e))
}

// keepalived.conf(5) alpha: "the server is assumed down at start until a
// check succeeds"; ipwrapper.c update_svr_checker_state: the first failing
// result of an alpha checker sends notify_down once, later ones nothing.
func TestAlpha(t *testing.T) {
	e, acts := started(t, `
virtual_server 10.0.0.1 80 {
    lb_algo rr
    protocol TCP
    alpha
    real_server 10.0.1.1 8080 {
        notify_up "/up.sh"
        notify_down "/down.sh"
        TCP_CHECK {
        }
    }
}`)
	require.Equal(t, "[10.0.0.1]:tcp:80 rr\n", table(e))
	require.Empty(t, scripts(acts))
	id := lvs.CheckerID{}
	require.Equal(t, []string{"/down.sh"}, scripts(step(e, lvs.EvVerdict{ID: id, Up: false})))
	require.Empty(t, scripts(step(e, lvs.EvVerdict{ID: id, Up: false})))
	acts = step(e, lvs.EvVerdict{ID: id, Up: true})
	require.Equal(t, []string{"/up.sh"}, scripts(acts))
	require.Contains(t, logs(acts), "Gained quorum")
	// NAT keeps the real server's port.
	require.Equal(t, "[10.0.0.1]:tcp:80 rr\n  -> 10.0.1.1:8080 Masq 1\n", table(e))
}

// A real server with several checkers is alive only while all of them are
// up (num_failed_checkers).
func TestSeveralCheckers(t *testing.T) {
	e, _ := started(t, `
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.0.1.1 80 {
        TCP_CHECK {
        }
        HTTP_GET {
            url {
                path /
            }
        }
    }
}`)
	a, b := lvs.CheckerID{Checker: 0}, lvs.CheckerID{Checker: 1}
	step(e, lvs.EvVerdict{ID: a, Up: false})
	step(e, lvs.EvVerdict{ID: b, Up: false})
	require.False(t, e.Alive(0, 0))
	step(e, lvs.EvVerdict{ID: a, Up: true})
	require.False(t, e.Alive(0, 0), "one checker still failing")
	step(e, lvs.EvVerdict{ID: b, Up: true})
	require.True(t, e.Alive(0, 0))
}

// keepalived.conf(5) quorum / hysteresis / sorry_server, ipwrapper.c
// update_quorum_state: quorum is lost when the alive weight drops below
// quorum−hysteresis, gained again at quorum+hysteresis; the sorry server
// replaces the pool while quorum is down.
func TestQuorumHysteresisSorry(t *testing.T) {
	e, _ := started(t, `
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    quorum 2
    hysteresis 1
    quorum_up "/qup.sh"
    quorum_down "/qdown.sh"
    sorry_server 10.0.9.9 80
    real_server 10.0.1.1 80 {
        TCP_CHECK {
        }
    }
    real_server 10.0.1.2 80 {
        TCP_CHECK {
        }
    }
    real_server 10.0.1.3 80 {
        TCP_CHECK {
        }
    }
}`)
	require.True(t, e.QuorumUp(0))
	down := func(rs int) []lvs.Action { return step(e, lvs.EvVerdict{ID: lvs.CheckerID{RS: rs}, Up: false}) }
	up := func(rs int) []lvs.Action { return step(e, lvs.EvVerdict{ID: lvs.CheckerID{RS: rs}, Up: true}) }
	require.Empty(t, scripts(down(0))) // 2 left ≥ 2−1
	require.Empty(t, scripts(down(1))) // 1 left ≥ 1
	acts := down(2)                    // 0: lost
	require.Equal(t, []string{"/qdown.sh"}, scripts(acts))
	require.Contains(t, logs(acts), "Lost quorum 2-1=1 > 0 for VS [10.0.0.1]:tcp:80\nAdding sorry server [10.0.9.9]:tcp:80 to VS [10.0.0.1]:tcp:80\n")
	require.Equal(t, "[10.0.0.1]:tcp:80 rr\n  -> 10.0.9.9:80 Route 1\n", table(e))
	require.Empty(t, scripts(up(0))) // 1 < 2+1
	require.Empty(t, scripts(up(1))) // 2 < 3
	require.Equal(t, "[10.0.0.1]:tcp:80 rr\n  -> 10.0.9.9:80 Route 1\n", table(e), "sorry server stays until quorum+hysteresis")
	acts = up(2)
	require.Equal(t, []string{"/qup.sh"}, scripts(acts))
	require.Contains(t, logs(acts), "Gained quorum 2+1=3 <= 3")
	require.Equal(t, `[10.0.0.1]:tcp:80 rr
  -> 10.0.1.1:80 Route 1
  -> 10.0.1.2:80 Route 1
  -> 10.0.1.3:80 Route 1
`, table(e))
}

// sorry_server_inhibit: the sorry server is always in the table, weight 0
// while unused; inhibited real servers stay at weight 0 while it is used.
func TestSorryInhibit(t *testing.T) {
	e, _ := started(t, `
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    sorry_server 10.0.9.9 80
    sorry_server_inhibit
    real_server 10.0.1.1 80 {
        inhibit_on_failure
        TCP_CHECK {
        }
    }
}`)
	require.Equal(t, "[10.0.0.1]:tcp:80 rr\n  -> 10.0.1.1:80 Route 1\n  -> 10.0.9.9:80 Route 0\n", table(e))
	acts := step(e, lvs.EvVerdict{ID: lvs.CheckerID{}, Up: false})
	require.Contains(t, logs(acts), "Enabling sorry server [10.0.9.9]:tcp:80 to VS")
	require.Equal(t, "[10.0.0.1]:tcp:80 rr\n  -> 10.0.1.1:80 Route 0\n  -> 10.0.9.9:80 Route 1\n", table(e))
}

// Quorum down at start with a sorry server: "Starting with quorum down",
// the sorry server is used and quorum_down runs (init && !quorum_state_up).
func TestStartWithQuorumDown(t *testing.T) {
	e, acts := started(t, `
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    alpha
    quorum_down "/qdown.sh"
    sorry_server 10.0.9.9 80
    real_server 10.0.1.1 80 {
        TCP_CHECK {
        }
    }
}`)
	require.Equal(t, []string{"/qdown.sh"}, scripts(acts))
	require.Contains(t, logs(acts), "Starting with quorum down 1-0=1 > 0 for VS [10.0.0.1]:tcp:80")
	require.True(t, e.SorryActive(0))
	require.Equal(t, "[10.0.0.1]:tcp:80 rr\n  -> 10.0.9.9:80 Route 1\n", table(e))
}

// misc_dynamic (check_misc.c): exit status 2..255 sets the weight to
// status−2; the checker's contribution is status − 2 − weight.
func TestDynamicWeight(t *testing.T) {
	e, _ := started(t, `
virtual_server 10.0.0.1 80 {
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 10.0.1.1 80 {
        weight 5
        MISC_CHECK {
            misc_path "/bin/true"
            misc_dynamic
        }
    }
}`)
	acts := step(e, lvs.EvWeight{ID: lvs.CheckerID{}, Delta: 12 - 2 - 5})
	require.Equal(t, "Changing weight from 5 to 10 for active service [10.0.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80\n", logs(acts))
	require.Equal(t, "[10.0.0.1]:tcp:80 wrr\n  -> 10.0.1.1:80 Route 10\n", table(e))
	require.Empty(t, step(e, lvs.EvWeight{ID: lvs.CheckerID{}, Delta: 5}), "same weight: nothing to say")
	step(e, lvs.EvWeight{ID: lvs.CheckerID{}, Delta: -100})
	require.Equal(t, int32(0), e.Weight(0, 0), "real_weight clamps at 0")
}

// omega: on shutdown notify_down of every alive real server and
// quorum_down run (clear_service_rs, update_vs_notifies); without omega
// nothing runs.
func TestOmegaOnStop(t *testing.T) {
	conf := func(omega string) string {
		return `
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    ` + omega + `
    quorum_down "/qdown.sh"
    real_server 10.0.1.1 80 {
        notify_down "/down1.sh"
        TCP_CHECK {
        }
    }
    real_server 10.0.1.2 80 {
        notify_down "/down2.sh"
        TCP_CHECK {
        }
    }
}`
	}
	e, _ := started(t, conf("omega"))
	step(e, lvs.EvVerdict{ID: lvs.CheckerID{RS: 1}, Up: false})
	acts := step(e, lvs.EvStop{})
	require.Equal(t, []string{"/down1.sh", "/qdown.sh"}, scripts(acts))
	for _, a := range acts {
		if a.Kind == lvs.ActNotify {
			require.True(t, a.Stopping)
		}
	}
	require.Contains(t, logs(acts), "Shutting down service [10.0.1.1]:tcp:80 from VS [10.0.0.1]:tcp:80")
	require.Empty(t, e.Desired(nil).Entries, "every owned service goes at stop")

	e, _ = started(t, conf(""))
	require.Empty(t, scripts(step(e, lvs.EvStop{})))
}

// lvs_flush / lvs_flush_on_stop (check_daemon.c start_check, clear_services).
func TestFlush(t *testing.T) {
	e, acts := started(t, `
global_defs {
    lvs_flush
    lvs_flush_on_stop
}
virtual_server 10.0.0.1 80 {
    lb_algo rr
    protocol TCP
    real_server 10.0.1.1 80 {
    }
}`)
	require.Equal(t, lvs.ActFlush, acts[0].Kind)
	acts = step(e, lvs.EvStop{})
	require.Equal(t, lvs.ActFlush, acts[0].Kind)
}

// ha_suspend (check_api.c update_checker_activity): checkers of a virtual
// server run only while its address is local; E7.
func TestHASuspend(t *testing.T) {
	e := lvs.NewEngine(load(t, `
virtual_server 192.168.1.1 80 {
    delay_loop 3
    lb_algo wlc
    lb_kind DR
    persistence_timeout 1200
    protocol TCP
    ha_suspend
    real_server 192.168.1.11 80 {
        weight 3
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 192.168.1.12 80 {
        weight 3
        TCP_CHECK {
            connect_timeout 3
        }
    }
}`))
	acts := step(e, lvs.EvStart{})
	require.False(t, e.CheckersEnabled(0))
	require.Contains(t, logs(acts), "Deactivating healthchecker for service [192.168.1.11]:tcp:80 for VS [192.168.1.1]:tcp:80")
	require.Equal(t, `[192.168.1.1]:tcp:80 wlc persistent 1200
  -> 192.168.1.11:80 Route 3
  -> 192.168.1.12:80 Route 3
`, table(e), "ha_suspend does not remove the service")
	acts = step(e, lvs.EvAddress{Addr: netip.MustParseAddr("192.168.1.1"), Local: true})
	require.Equal(t, lvs.Action{Kind: lvs.ActCheckers, VS: 0, RS: -1, Enabled: true}, acts[len(acts)-1])
	require.Empty(t, step(e, lvs.EvAddress{Addr: netip.MustParseAddr("192.168.1.2"), Local: true}))
	acts = step(e, lvs.EvAddress{Addr: netip.MustParseAddr("192.168.1.1"), Local: false})
	require.Contains(t, logs(acts), "Suspending healthchecker for service [192.168.1.12]:tcp:80")
	require.False(t, e.CheckersEnabled(0))
}

// Seed 001 (E4): persistence by port, by client (port 0) and fwmark
// services with persistence 600; a group with a range and a fwmark.
func TestPersistenceFWMarkGroups(t *testing.T) {
	e, _ := started(t, `
virtual_server 10.0.0.210 80 {
    lb_algo rr
    lb_kind DR
    persistence_timeout 3600
    persistence_granularity 255.255.255.0
    protocol TCP
    real_server 10.0.0.201 80 {
    }
}
virtual_server 10.0.0.210 0 {
    lb_algo rr
    lb_kind DR
    persistence_timeout 600
    protocol TCP
    real_server 10.0.0.201 0 {
    }
}
virtual_server fwmark 8 {
    lb_algo wlc
    lb_kind DR
    persistence_timeout 600
    real_server 10.0.0.201 {
    }
    real_server 10.0.0.204 {
    }
}
virtual_server_group G {
    10.0.0.220-221 443
    fwmark 9
}
virtual_server group G {
    lb_algo sh
    sh-port
    lb_kind NAT
    protocol TCP
    real_server 10.0.0.205 8443 {
    }
}
virtual_server 10.0.0.230 53 {
    lb_algo rr
    ops
    persistence_timeout 0
    protocol UDP
    real_server 10.0.0.201 53 {
    }
}
`)
	require.Equal(t, `[10.0.0.210]:tcp:0 rr persistent 600
  -> 10.0.0.201:0 Route 1
[10.0.0.210]:tcp:80 rr persistent 3600 mask 255.255.255.0
  -> 10.0.0.201:80 Route 1
[10.0.0.220]:tcp:443 sh flag-2
  -> 10.0.0.205:8443 Masq 1
[10.0.0.221]:tcp:443 sh flag-2
  -> 10.0.0.205:8443 Masq 1
[10.0.0.230]:udp:53 rr ops
  -> 10.0.0.201:53 Masq 1
FWM 8 wlc persistent 600
  -> 10.0.0.201:0 Route 1
  -> 10.0.0.204:0 Route 1
FWM 9 sh flag-2
  -> 10.0.0.205:8443 Masq 1
`, table(e))
	for _, k := range []string{"10.0.0.220", "10.0.0.221"} {
		require.True(t, e.Owns(lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr(k), Port: 443}))
	}
}

// keepalived 2.2.7 check_parser.c svr_forwarding_handler and
// ipvswrapper.c ipvs_set_drule: lb_kind TUN's options (type ipip|gue|gre,
// port, nocsum|csum|remcsum) become each destination's tun_type, tun_port
// and tun_flags; real servers without their own lvs_method and the sorry
// server without sorry_server_lvs_method take the virtual server's.
func TestTunnelOptions(t *testing.T) {
	lc := load(t, `
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind TUN type gue port 6080 csum
    protocol TCP
    sorry_server 10.0.0.99 80
    real_server 10.0.0.11 80 {
    }
    real_server 10.0.0.12 80 {
        lvs_method TUN type gre csum
    }
    real_server 10.0.0.13 80 {
        lvs_method TUN
    }
    real_server 10.0.0.14 80 {
        lvs_method DR
    }
}
virtual_server 10.0.0.2 80 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    sorry_server 10.0.0.98 80
    sorry_server_lvs_method TUN type gue port 7000 remcsum
    real_server 10.0.0.21 80 {
    }
}`)
	type tun struct {
		fwd   lvs.Forward
		typ   lvs.TunType
		port  uint16
		flags uint16
	}
	of := func(r *lvs.RealServer) tun { return tun{r.Forward, r.TunType, r.TunPort, r.TunFlags} }
	vs := lc.VirtualServers[0]
	want := []tun{
		{lvs.Tunnel, lvs.TunGUE, 6080, lvs.TunCsum},
		{lvs.Tunnel, lvs.TunGRE, 0, lvs.TunCsum},
		{lvs.Tunnel, lvs.TunIPIP, 0, lvs.TunNoCsum},
		{lvs.Route, lvs.TunIPIP, 0, lvs.TunNoCsum},
	}
	require.Len(t, vs.RealServers, len(want))
	for i, w := range want {
		require.Equal(t, w, of(&vs.RealServers[i]), "real server %s", vs.RealServers[i].Name)
	}
	require.Equal(t, tun{lvs.Tunnel, lvs.TunGUE, 6080, lvs.TunCsum}, of(vs.Sorry), "sorry server inherits the virtual server's")
	require.Equal(t, tun{lvs.Tunnel, lvs.TunGUE, 7000, lvs.TunRemCsum}, of(lc.VirtualServers[1].Sorry))

	// The options reach the IPVS destinations.
	e := lvs.NewEngine(lc)
	e.Step(lvs.EvStart{})
	var found bool
	for _, en := range e.Desired(nil).Entries {
		for _, d := range en.Dests {
			if d.Key.Addr == netip.MustParseAddr("10.0.0.11") {
				found = true
				require.Equal(t, lvs.TunGUE, d.TunType)
				require.Equal(t, uint16(6080), d.TunPort)
				require.Equal(t, lvs.TunCsum, d.TunFlags)
			}
		}
	}
	require.True(t, found, "10.0.0.11 in the desired table:\n%s", table(e))
}

func TestGroupTooLarge(t *testing.T) {
	c, _, err := config.Parse("k.conf", []byte(`
virtual_server_group BIG {
    10.0.0.0/8 80
}
virtual_server group BIG {
    lb_algo rr
    protocol TCP
    real_server 10.1.0.1 80 {
    }
}
virtual_server 10.0.0.1 80 {
    lb_algo rr
    protocol TCP
    real_server 10.1.0.1 80 {
    }
}`), config.Options{})
	require.NoError(t, err)
	lc, err := lvs.FromConfig(c)
	require.ErrorContains(t, err, "k.conf:5:1: virtual_server [BIG]:0: virtual_server_group BIG expands to more than 65536 services")
	require.Len(t, lc.VirtualServers, 1, "the other virtual servers are kept")
}

func TestEventsOutsideLifetimeIgnored(t *testing.T) {
	e := lvs.NewEngine(load(t, e3))
	require.Empty(t, e.Step(lvs.EvVerdict{ID: lvs.CheckerID{}, Up: false}))
	require.Empty(t, e.Desired(nil).Entries)
	e.Step(lvs.EvStart{})
	require.Empty(t, e.Step(lvs.EvVerdict{ID: lvs.CheckerID{VS: 7}, Up: false}), "out of range is ignored")
	e.Step(lvs.EvStop{})
	require.Empty(t, e.Step(lvs.EvVerdict{ID: lvs.CheckerID{}, Up: false}))
}
