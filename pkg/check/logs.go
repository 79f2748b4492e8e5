package check

import "fmt"

// VerdictLine is the line keepalived 2.2.7 logs when a checker reports a
// verdict (one owner for these phrases: check_tcp.c tcp_epilog,
// check_http.c epilog, check_udp.c udp_epilog, check_ping.c
// icmp_epilog, check_smtp.c smtp_final). name is the real server as
// keepalived prints it (FMT_CHK, lvs.RealServer.Name); hadRun says the
// checker had run before; retry is the checker's retry count. Kinds
// without a fixed phrase in keepalived get "KIND on service NAME
// succeeded|failed.".
func VerdictLine(kind, name string, up, hadRun bool, retry int) string {
	failed := func(what string) string {
		if retry > 0 && hadRun {
			return fmt.Sprintf("%s on service %s failed after %d retries.", what, name, retry)
		}
		return fmt.Sprintf("%s on service %s failed.", what, name)
	}
	switch kind {
	case "TCP_CHECK":
		if up {
			return fmt.Sprintf("TCP connection to %s success.", name)
		}
		return failed("TCP_CHECK")
	case "HTTP_GET", "SSL_GET":
		if up {
			return fmt.Sprintf("Remote Web server %s succeed on service.", name)
		}
		return failed("HTTP_CHECK")
	case "UDP_CHECK":
		if up {
			return fmt.Sprintf("UDP connection to %s success.", name)
		}
		return failed("UDP_CHECK")
	case "PING_CHECK":
		if up {
			return fmt.Sprintf("ICMP connection to %s success.", name)
		}
		return failed("ICMP CHECK")
	case "SMTP_CHECK":
		if up {
			return fmt.Sprintf("Remote SMTP server %s succeed on service.", name)
		}
	}
	if up {
		return fmt.Sprintf("%s on service %s succeeded.", kind, name)
	}
	return fmt.Sprintf("%s on service %s failed.", kind, name)
}
