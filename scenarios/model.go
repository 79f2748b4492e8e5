package scenarios

import "strings"

// DaemonModelStep is `daemon NODE... MODEL`: which daemon runs on the
// nodes, and so (in the simulator) how long it takes to start and stop,
// how late its timers fire and how fast it hears packets: keepalived
// (keepalived 2.2.7's measured figures, every node's default in the
// simulator), gokeepalived (gokeepalived's own figures; keepalived's until
// they are measured) or ideal (everything exact, for files that check the
// protocol's arithmetic to the microsecond). See sim.DaemonModel and
// docs/scenarios.md, "What the simulator models".
type DaemonModelStep struct {
	Pos   Pos
	Nodes []string
	Model string
}

// Position implements Step.
func (s DaemonModelStep) Position() Pos { return s.Pos }

func (s DaemonModelStep) String() string {
	return "daemon " + strings.Join(s.Nodes, " ") + " " + s.Model
}

// DaemonModeler is a backend that can say which daemon model a node runs.
type DaemonModeler interface {
	SetDaemonModel(node, model string) error
}

// daemonModels are the names a `daemon` line accepts.
var daemonModels = []string{"keepalived", "gokeepalived", "ideal"}
