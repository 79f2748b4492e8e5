package scenarios

import (
	"fmt"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
	"github.com/gokeepalived/gokeepalived/sim"
)

var (
	_ Servicer    = (*SimBackend)(nil)
	_ IPVSReader  = (*SimBackend)(nil)
	_ IPVSFlusher = (*SimBackend)(nil)
	_ Curler      = (*SimBackend)(nil)
)

// FlushIPVS implements IPVSFlusher.
func (b *SimBackend) FlushIPVS(node string) error { return b.W.FlushIPVS(node) }

// Serve implements Servicer.
func (b *SimBackend) Serve(node string, s ServiceSpec) error {
	kind := map[string]sim.ServiceKind{"http": sim.ServiceHTTP, "smtp": sim.ServiceSMTP, "tcp": sim.ServiceTCP}[s.Kind]
	return b.W.AddService(node, sim.Service{Kind: kind, Port: s.Port, Body: s.Body, Status: s.Status, Process: s.Process})
}

// IPVS implements IPVSReader.
func (b *SimBackend) IPVS(node string) (*lvs.Table, error) { return b.W.IPVS(node) }

// Curl implements Curler: from "" is sim.CurlClient, a host on every
// segment.
func (b *SimBackend) Curl(from string, t CurlTarget) (CurlResponse, error) {
	r, err := b.W.Curl(from, t.Addr, t.Path)
	if err != nil {
		return CurlResponse{}, err
	}
	return CurlResponse{Status: r.Status, Body: r.Body, Via: fmt.Sprintf("from %s via %s", r.Server, r.Director)}, nil
}
