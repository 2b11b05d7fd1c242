package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
)

// quietStop is River's logger: the default logger, less the errors River's
// maintenance services log when a stop cancels what they were starting
// (nothing is lost: they run again at the next start).
type quietStop struct{ slog.Handler }

func (h quietStop) Handle(ctx context.Context, r slog.Record) error {
	cancelled := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" || a.Key == "err" {
			v := a.Value.Any()
			if err, ok := v.(error); ok && errors.Is(err, context.Canceled) || strings.Contains(a.Value.String(), context.Canceled.Error()) {
				cancelled = true
				return false
			}
		}
		return true
	})
	if cancelled {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietStop) WithAttrs(as []slog.Attr) slog.Handler { return quietStop{h.Handler.WithAttrs(as)} }
func (h quietStop) WithGroup(name string) slog.Handler    { return quietStop{h.Handler.WithGroup(name)} }

func riverLogger() *slog.Logger { return slog.New(quietStop{slog.Default().Handler()}) }
