#!/usr/bin/env python3
"""Writes the invalid corpus: one mistake per file. Line 1 of each file is
'# want: SEVERITY LINE KEYWORD' naming the diagnostic gokeepalived must give.
Re-run after editing the cases; the files are committed."""
import os

BASE_VI = """vrrp_instance VI_1 {{
    state MASTER
    interface eth0
    virtual_router_id {vrid}
    priority {prio}
    advert_int {adv}
{extra}    virtual_ipaddress {{
        {vip}
    }}
}}
"""

def vi(vrid="51", prio="100", adv="1", vip="10.0.0.3/24", extra=""):
    return BASE_VI.format(vrid=vrid, prio=prio, adv=adv, vip=vip, extra=extra)

VS = """virtual_server 10.0.0.3 80 {{
    delay_loop 6
    lb_algo {algo}
    lb_kind {kind}
    protocol {proto}
{extra}    real_server {rs} 80 {{
        weight {w}
{ck}    }}
}}
"""

def vs(algo="rr", kind="DR", proto="TCP", extra="", rs="10.0.0.11", w="1", ck="        TCP_CHECK {\n            connect_timeout 3\n        }\n"):
    return VS.format(algo=algo, kind=kind, proto=proto, extra=extra, rs=rs, w=w, ck=ck)

# (name, body, severity, line-in-body (1-based), keyword)
cases = [
    ("vrid-zero", vi(vrid="0"), "error", 4, "virtual_router_id"),
    ("vrid-256", vi(vrid="256"), "error", 4, "virtual_router_id"),
    ("vrid-text", vi(vrid="abc"), "error", 4, "virtual_router_id"),
    ("vrid-missing", vi().replace("    virtual_router_id 51\n", ""), "error", 1, "virtual_router_id"),
    ("priority-zero", vi(prio="0"), "error", 5, "priority"),
    ("priority-256", vi(prio="256"), "error", 5, "priority"),
    ("priority-negative", vi(prio="-5"), "error", 5, "priority"),
    ("advert-zero", vi(adv="0"), "error", 6, "advert_int"),
    ("advert-text", vi(adv="fast"), "error", 6, "advert_int"),
    ("advert-huge", vi(adv="300"), "error", 6, "advert_int"),
    ("state-bogus", vi().replace("state MASTER", "state PRIMARY"), "error", 2, "state"),
    ("vip-bad-address", vi(vip="10.0.0.300/24"), "error", 8, "virtual_ipaddress"),
    ("vip-bad-prefix", vi(vip="10.0.0.3/33"), "error", 8, "virtual_ipaddress"),
    ("vip-bad-scope", vi(vip="10.0.0.3/24 scope universe"), "error", 8, "virtual_ipaddress"),
    ("vip-unknown-option", vi(vip="10.0.0.3/24 dve eth0"), "warning", 8, "virtual_ipaddress"),
    ("vip-label-prefix", vi(vip="10.0.0.3/24 dev eth0 label eth1:0"), "warning", 8, "label"),
    ("vip-family-mix", vi(vip="10.0.0.3/24\n        fe80::3/64"), "error", 9, "virtual_ipaddress"),
    ("vip-missing-value", vi(vip="10.0.0.3/24 dev"), "error", 8, "virtual_ipaddress"),
    ("duplicate-vrid", vi() + vi().replace("VI_1", "VI_2"), "error", 14, "virtual_router_id"),
    ("duplicate-instance", vi() + vi(vrid="52"), "error", 11, "vrrp_instance"),
    ("nopreempt-master", vi(extra="    nopreempt\n"), "warning", 7, "nopreempt"),
    ("preempt-delay-range", vi(extra="    preempt_delay 2000\n").replace("MASTER", "BACKUP"), "error", 7, "preempt_delay"),
    ("auth-type-bogus", vi(extra="    authentication {\n        auth_type MD5\n        auth_pass secret\n    }\n"), "error", 8, "auth_type"),
    ("auth-pass-missing", vi(extra="    authentication {\n        auth_type PASS\n    }\n"), "warning", 7, "authentication"),
    ("unknown-keyword", vi(extra="    advert_intt 1\n"), "warning", 7, "advert_intt"),
    ("unknown-top-level", "vrrp_instanse VI_1 {\n    state MASTER\n}\n", "warning", 1, "vrrp_instanse"),
    ("missing-close-brace", vi().rstrip("}\n") + "\n", "error", 7, "virtual_ipaddress"),
    ("extra-close-brace", vi() + "}\n", "error", 11, "}"),
    ("unterminated-quote", 'vrrp_script chk {\n    script "/bin/true\n}\n' + vi(), "error", 2, ""),
    ("track-script-undefined", vi(extra="    track_script {\n        chk_missing\n    }\n"), "warning", 8, "track_script"),
    ("track-weight-range", 'vrrp_script chk {\n    script "/bin/true"\n    weight 300\n}\n' + vi(), "error", 3, "weight"),
    ("script-rise-zero", 'vrrp_script chk {\n    script "/bin/true"\n    rise 0\n}\n' + vi(), "error", 3, "rise"),
    ("script-no-command", 'vrrp_script chk {\n    interval 2\n}\n' + vi(), "error", 1, "vrrp_script"),
    ("sync-group-missing-member", "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_9\n    }\n}\n" + vi(), "warning", 1, "vrrp_sync_group"),
    ("mcast-group-not-multicast", "global_defs {\n    vrrp_mcast_group4 10.0.0.1\n}\n" + vi(), "error", 2, "vrrp_mcast_group4"),
    ("vrrp-version-4", "global_defs {\n    vrrp_version 4\n}\n" + vi(), "error", 2, "vrrp_version"),
    ("garp-repeat-zero", "global_defs {\n    vrrp_garp_master_repeat 0\n}\n" + vi(), "error", 2, "vrrp_garp_master_repeat"),
    ("unicast-peer-bad", vi(extra="    unicast_src_ip 10.0.0.1\n    unicast_peer {\n        10.0.0.2.5\n    }\n"), "error", 9, "unicast_peer"),
    ("unicast-peer-family", vi(extra="    unicast_src_ip 10.0.0.1\n    unicast_peer {\n        fe80::2\n    }\n"), "error", 9, "unicast_peer"),
    ("vs-bad-scheduler", vs(algo="roundrobin"), "error", 3, "lb_algo"),
    ("vs-bad-kind", vs(kind="DIRECT"), "error", 4, "lb_kind"),
    ("vs-bad-protocol", vs(proto="ICMP"), "error", 5, "protocol"),
    ("vs-bad-port", vs().replace("10.0.0.3 80", "10.0.0.3 80000"), "error", 1, "virtual_server"),
    ("rs-bad-address", vs(rs="10.0.0.256"), "error", 6, "real_server"),
    ("rs-weight-negative", vs(w="-1"), "error", 7, "weight"),
    ("rs-family-mix", vs(rs="fd00::11"), "warning", 6, "real_server"),
    ("rs-duplicate", vs(extra="    real_server 10.0.0.11 80 {\n        weight 1\n    }\n"), "warning", 9, "real_server"),
    ("checker-timeout-text", vs(ck="        TCP_CHECK {\n            connect_timeout soon\n        }\n"), "error", 9, "connect_timeout"),
    ("checker-port-range", vs(ck="        TCP_CHECK {\n            connect_port 70000\n        }\n"), "error", 9, "connect_port"),
    ("http-status-bogus", vs(ck="        HTTP_GET {\n            url {\n                path /\n                status_code 2000\n            }\n        }\n"), "error", 11, "status_code"),
    ("http-url-no-path", vs(ck="        HTTP_GET {\n            url {\n                status_code 200\n            }\n        }\n"), "warning", 9, "url"),
    ("vs-group-missing", "virtual_server group WEB {\n    protocol TCP\n}\n", "error", 1, "virtual_server"),
    ("vs-duplicate-merged", vs() + vs().replace("10.0.0.11", "10.0.0.12"), "warning", 13, "virtual_server"),
    ("vs-no-protocol", vs().replace("    protocol TCP\n", ""), "warning", 1, "virtual_server"),
    ("persistence-negative", vs(extra="    persistence_timeout -5\n"), "error", 6, "persistence_timeout"),
    ("bool-bogus", "global_defs {\n    vrrp_strict maybe\n}\n" + vi(), "error", 2, "vrrp_strict"),
    ("include-missing", "include /nonexistent/gokeepalived/*.conf\n" + vi(), "warning", 1, "include"),
    ("strict-no-vip", "global_defs {\n    vrrp_strict\n}\n" + vi().replace("    virtual_ipaddress {\n        10.0.0.3/24\n    }\n", ""), "error", 4, "virtual_ipaddress"),
    ("no-interface", vi().replace("    interface eth0\n", ""), "error", 1, "interface"),
    ("v3-with-auth", vi(extra="    version 3\n    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n"), "warning", 8, "authentication"),
    ("strict-unicast", "global_defs {\n    vrrp_strict\n}\n" + vi(extra="    unicast_peer {\n        10.0.0.2\n    }\n"), "error", 10, "unicast_peer"),
    ("nopreempt-owner", vi(prio="255", extra="    nopreempt\n").replace("MASTER", "BACKUP"), "warning", 7, "nopreempt"),
    ("preempt-delay-master", vi(extra="    preempt_delay 10\n"), "warning", 7, "preempt_delay"),
    ("v3-no-vip", vi(extra="    version 3\n").replace("    virtual_ipaddress {\n        10.0.0.3/24\n    }\n", ""), "error", 1, "virtual_ipaddress"),
    ("advert-int-rounded", vi(adv="1.4"), "warning", 6, "advert_int"),
    ("sync-group-twice", "vrrp_sync_group A {\n    group {\n        VI_1\n        VI_2\n    }\n}\nvrrp_sync_group B {\n    group {\n        VI_1\n        VI_2\n    }\n}\n" + vi() + vi(vrid="52").replace("VI_1", "VI_2"), "error", 7, "vrrp_sync_group"),
    ("sync-group-weight", 'vrrp_script chk {\n    script "/bin/true"\n    weight -5\n}\nvrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n' + vi(extra="    track_script {\n        chk\n    }\n") + vi(vrid="52").replace("VI_1", "VI_2"), "warning", 18, "track_script"),
    ("misc-check-connect-port", vs(ck="        MISC_CHECK {\n            misc_path /bin/true\n            connect_port 80\n        }\n"), "warning", 10, "connect_port"),
    ("track-own-interface", vi(extra="    track_interface {\n        eth0 weight -10\n    }\n"), "warning", 8, "track_interface"),
]

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "invalid")
os.makedirs(here, exist_ok=True)
for f in os.listdir(here):
    if f.endswith(".conf"):
        os.remove(os.path.join(here, f))
for i, (name, body, sev, line, kw) in enumerate(cases, 1):
    with open(os.path.join(here, "%02d-%s.conf" % (i, name)), "w") as f:
        # The header is line 1, so the body's line N is file line N+1.
        f.write("# want: %s %d %s\n" % (sev, line + 1, kw or "-"))
        f.write(body)
print(len(cases), "cases")
