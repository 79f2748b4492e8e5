package lvs

// This file is the contract between the LVS core and the worlds' IPVS:
// daemon/ipvs (the kernel through moby/ipvs) and memipvs (the simulator).

import (
	"errors"
	"fmt"
)

// IPVS is an IPVS table the core can read and change. Implementations
// report the kernel's errors as syscall.Errno values (wrapped), so callers
// can test errors.Is(err, syscall.EEXIST) on every world alike:
//
//	AddService:    EEXIST (already there), ENOENT (scheduler or persistence
//	               engine unknown), EINVAL (bad IPv6 netmask)
//	UpdateService: ESRCH (no such service), ENOENT (scheduler unknown)
//	DelService:    ESRCH
//	AddDest:       ESRCH (service), EEXIST (destination), EINVAL (address not
//	               unicast/routable here, family mismatch, GUE without port),
//	               ERANGE (lthreshold > uthreshold)
//	UpdateDest:    ESRCH, ENOENT (no such destination), EINVAL, ERANGE
//	DelDest:       ESRCH, ENOENT
type IPVS interface {
	// Services lists every service with its attributes (any order).
	Services() ([]Service, error)
	// Destinations lists the destinations of one service (any order).
	Destinations(ServiceKey) ([]Destination, error)
	AddService(Service) error
	UpdateService(Service) error
	DelService(ServiceKey) error
	AddDest(ServiceKey, Destination) error
	UpdateDest(ServiceKey, Destination) error
	DelDest(ServiceKey, DestKey) error
	// Flush removes every service (ipvsadm -C, lvs_flush).
	Flush() error
}

// OpKind is what an Op does.
type OpKind uint8

const (
	OpFlush OpKind = iota
	OpAddService
	OpUpdateService
	OpDelService
	OpAddDest
	OpUpdateDest
	OpDelDest
)

func (k OpKind) String() string {
	names := [...]string{"flush", "add-service", "update-service", "del-service", "add-dest", "update-dest", "del-dest"}
	if int(k) < len(names) {
		return names[k]
	}
	return "op?"
}

// Op is one change to an IPVS table.
type Op struct {
	Kind    OpKind
	Service Service     // the key for every kind but OpFlush; all of it for add/update
	Dest    Destination // for the destination kinds
}

func (o Op) String() string {
	switch o.Kind {
	case OpFlush:
		return "flush"
	case OpAddService, OpUpdateService:
		return o.Kind.String() + " " + o.Service.String()
	case OpDelService:
		return o.Kind.String() + " " + o.Service.Key.String()
	}
	return o.Kind.String() + " " + o.Service.Key.String() + " " + o.Dest.String()
}

// Do performs op on x, with the op named in the error.
func Do(x IPVS, op Op) error {
	var err error
	switch op.Kind {
	case OpFlush:
		err = x.Flush()
	case OpAddService:
		err = x.AddService(op.Service)
	case OpUpdateService:
		err = x.UpdateService(op.Service)
	case OpDelService:
		err = x.DelService(op.Service.Key)
	case OpAddDest:
		err = x.AddDest(op.Service.Key, op.Dest)
	case OpUpdateDest:
		err = x.UpdateDest(op.Service.Key, op.Dest)
	case OpDelDest:
		err = x.DelDest(op.Service.Key, op.Dest.Key)
	default:
		err = fmt.Errorf("unknown op kind %d", op.Kind)
	}
	if err != nil {
		return fmt.Errorf("ipvs %s: %w", op, err)
	}
	return nil
}

// Apply performs ops in order. It does not stop at the first failure (an
// unroutable real server must not keep its neighbours out of the table):
// it returns every error joined, and how many ops succeeded.
func Apply(x IPVS, ops []Op) (int, error) {
	var errs []error
	n := 0
	for _, op := range ops {
		if err := Do(x, op); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// Read reads the whole table from x, sorted.
func Read(x IPVS) (*Table, error) {
	svcs, err := x.Services()
	if err != nil {
		return nil, fmt.Errorf("ipvs: list services: %w", err)
	}
	t := &Table{Entries: make([]Entry, 0, len(svcs))}
	for _, s := range svcs {
		ds, err := x.Destinations(s.Key)
		if err != nil {
			return nil, fmt.Errorf("ipvs: list destinations of %s: %w", s.Key, err)
		}
		s.Flags &^= FlagHashed
		t.Entries = append(t.Entries, Entry{Service: s, Dests: ds})
	}
	t.Sort()
	return t, nil
}
