package vrrp

// noAddress reports whether the instance has no advert source: keepalived
// 2.2.7 puts such an instance in FAULT at start ("(VI_1) entering FAULT
// state (no IPv4 address for interface)", vrrp_track.c
// initialise_vrrp_tracking_priorities, when vrrp->saddr is unset). The
// driver leaves InstanceConfig.SrcAddr invalid when there is none:
// keepalived never takes a VIP or eVIP of any instance on the interface as
// the interface's address (keepalived_netlink.c
// ignore_address_if_ours_or_link_local), so an address owner whose
// interface carries nothing but the VIP has no source either, at priority
// 255 as at 254 (verified against keepalived 2.2.7 in a namespace; see
// scenarios/regress_election.scn). EvSourceAddr gives it one when an
// address appears (try_up_instance; scenarios/regress_address_added.scn).
func (in *instance) noAddress() bool { return !in.cfg.SrcAddr.IsValid() }

func (in *instance) noAddressFault() Fault {
	v := 4
	if in.cfg.IPv6 {
		v = 6
	}
	return Fault{Kind: FaultNoAddress, Value: v}
}
