package vrrp

import (
	"fmt"
	"time"
)

// Engine holds every VRRP instance and sync group of one daemon. It is a
// pure state machine: Step consumes one event at time now and returns the
// actions the driver must perform, in order.
//
// STUB: the implementation (fsm.go etc.) replaces the bodies below.
type Engine struct {
	cfg EngineConfig
}

// NewEngine validates cfg and returns an engine with every instance in INIT.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	seen := map[string]bool{}
	for _, ic := range cfg.Instances {
		if seen[ic.Name] {
			return nil, fmt.Errorf("vrrp: duplicate instance %q", ic.Name)
		}
		seen[ic.Name] = true
	}
	return &Engine{cfg: cfg}, nil
}

// Step feeds one event into the engine.
func (e *Engine) Step(now time.Time, ev Event) []Action { return nil }

// Status returns a snapshot of the named instance.
func (e *Engine) Status(name string) (Status, bool) { return Status{}, false }

// Statuses returns snapshots of every instance, in configuration order.
func (e *Engine) Statuses() []Status { return nil }
