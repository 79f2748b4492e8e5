package scenarios

import (
	"context"
	"log/slog"
)

// warnHandler passes records on to next and hands every warning or error
// (config diagnostics such as "Unicode space U+00A0 read as a plain
// space", script failures) to sink, with the node it came from, so that
// they show up in the scenario's timeline.
type warnHandler struct {
	sink  func(node, msg string)
	node  string
	next  slog.Handler
	group bool
}

func (h *warnHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || h.next.Enabled(ctx, l)
}

func (h *warnHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		node := h.node
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "node" && !h.group {
				node = a.Value.String()
			}
			return true
		})
		h.sink(node, r.Message)
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *warnHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	for _, a := range as {
		if a.Key == "node" && !h.group {
			c.node = a.Value.String()
		}
	}
	c.next = h.next.WithAttrs(as)
	return &c
}

func (h *warnHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.group = true
	c.next = h.next.WithGroup(name)
	return &c
}
