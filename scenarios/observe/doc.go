// Package observe is the vocabulary every world uses to say what happened
// in a scenario run, and the one place that derives the facts scenarios
// assert from it.
//
// A world (the simulator, the namespace lab, a capture of real hosts)
// produces one ordered stream of Observation values: the gokeepalived
// driver's typed reports with the node and time they came from (state
// changes, priorities, rejected adverts, gratuitous ARPs, trackers,
// split-brain detections), plus ground truth the world reads itself —
// addresses appearing on and leaving a node's interfaces (the kernel's
// view, not what a daemon claims), notify scripts that ran, daemon process
// events, daemon log lines, config diagnostics with their code, and the
// faults the world injected. Observation is plain data with JSON tags, so a
// backend in another process, or a capture tool, can write the stream as
// JSON lines and the scenario runner can read it back.
//
// History folds a stream into transitions, split-brain intervals (more
// than one holder of an address), reject counts, notify calls and
// detections; Format gives an observation's line in the readable timeline.
// The scenario runner, its failover summaries, the loss sweep and the
// simulator's own tests all read these, so each fact is derived once.
//
// This package must never depend on a particular world: it imports the
// driver's report type (daemon.Report) only to translate it (FromReport),
// and config.Diagnostic only to translate and print it.
package observe
