package sim

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServiceKind is what a simulated network service speaks.
type ServiceKind uint8

const (
	// ServiceHTTP answers every request with Status and Body and closes
	// (a web server with one page: httpd serving index.html).
	ServiceHTTP ServiceKind = iota
	// ServiceTCP accepts connections and says nothing (TCP_CHECK only
	// needs the handshake).
	ServiceTCP
	// ServiceSMTP greets with 220, answers HELO/EHLO with 250 and QUIT
	// with 221 (SMTP_CHECK).
	ServiceSMTP
)

func (k ServiceKind) String() string {
	switch k {
	case ServiceHTTP:
		return "http"
	case ServiceTCP:
		return "tcp"
	case ServiceSMTP:
		return "smtp"
	}
	return "service?"
}

// Service is a network service listening on every address of a node
// (its interfaces' and its loopback's, so a DR real server answers for
// the VIP on its lo), on TCP port Port, while its process runs.
type Service struct {
	Kind ServiceKind
	Port uint16
	// Body and Status are an HTTP service's answer (Status 0 is 200).
	Body   string
	Status int
	// Process is the process it runs as, in the node's process table:
	// StopProcess / StartProcess (systemctl stop httpd) stop and start
	// the service, and check scripts see it with ps or pidof. Empty:
	// "httpd" for HTTP, "smtpd" for SMTP, "tcpd" for TCP.
	Process string
}

func (s *Service) process() string {
	if s.Process != "" {
		return s.Process
	}
	switch s.Kind {
	case ServiceHTTP:
		return "httpd"
	case ServiceSMTP:
		return "smtpd"
	}
	return "tcpd"
}

// AddService starts a service on node (it replaces one on the same port)
// and marks its process running.
func (w *World) AddService(node string, s Service) error {
	n, err := w.node(node)
	if err != nil {
		return err
	}
	if s.Port == 0 {
		return fmt.Errorf("sim: %s: a service needs a port", node)
	}
	if s.Status != 0 && (s.Status < 100 || s.Status > 999) {
		return fmt.Errorf("sim: %s: HTTP status %d out of range 100-999", node, s.Status)
	}
	svc := s
	i := -1
	for j, x := range n.lvs.services {
		if x.Port == s.Port {
			i = j
		}
	}
	if i >= 0 {
		n.lvs.services[i] = &svc
	} else {
		n.lvs.services = append(n.lvs.services, &svc)
	}
	n.procs.set(svc.process(), true)
	w.obs.event(node, "", "process", fmt.Sprintf("start %s (%s on port %d)", svc.process(), svc.Kind, svc.Port))
	return nil
}

// listener is the service on port that is running now, or nil (the port
// refuses connections).
func (n *node) listener(port uint16) *Service {
	for _, s := range n.lvs.services {
		if s.Port == port {
			if _, ok := n.procs.pid(s.process()); ok {
				return s
			}
			return nil
		}
	}
	return nil
}

// session is one connection's server side.
type session struct {
	svc  *Service
	node string
	in   []byte
	done bool
}

// greeting is what the server says first.
func (s *session) greeting() []byte {
	if s.svc.Kind == ServiceSMTP {
		return []byte("220 " + s.node + " ESMTP\r\n")
	}
	return nil
}

// input takes bytes from the client and returns the server's answer, and
// whether the server then closes.
func (s *session) input(b []byte) (out []byte, closeAfter bool) {
	if s.done {
		return nil, false
	}
	s.in = append(s.in, b...)
	switch s.svc.Kind {
	case ServiceHTTP:
		if !bytes.Contains(s.in, []byte("\r\n\r\n")) && !bytes.Contains(s.in, []byte("\n\n")) {
			return nil, false
		}
		s.done = true
		return httpResponse(s.svc, s.in), true
	case ServiceSMTP:
		var outb []byte
		for {
			i := bytes.IndexByte(s.in, '\n')
			if i < 0 {
				return outb, false
			}
			line := strings.ToUpper(strings.TrimSpace(string(s.in[:i])))
			s.in = s.in[i+1:]
			switch {
			case strings.HasPrefix(line, "HELO"), strings.HasPrefix(line, "EHLO"):
				outb = append(outb, "250 "+s.node+"\r\n"...)
			case strings.HasPrefix(line, "QUIT"):
				s.done = true
				return append(outb, "221 Bye\r\n"...), true
			default:
				outb = append(outb, "500 unrecognized command\r\n"...)
			}
		}
	}
	return nil, false
}

// httpResponse is the service's answer to req, in the request's HTTP
// version.
func httpResponse(s *Service, req []byte) []byte {
	status := s.Status
	if status == 0 {
		status = http.StatusOK
	}
	proto := "HTTP/1.1"
	if line, _, _ := bytes.Cut(req, []byte("\n")); bytes.Contains(line, []byte("HTTP/1.0")) {
		proto = "HTTP/1.0"
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Status"
	}
	var b bytes.Buffer
	b.WriteString(proto + " " + strconv.Itoa(status) + " " + text + "\r\n")
	b.WriteString("Content-Type: text/html\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(s.Body)) + "\r\n")
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString(s.Body)
	return b.Bytes()
}
