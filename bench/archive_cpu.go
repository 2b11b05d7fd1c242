package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// archiveExtra is what a series measured besides latency.
type archiveExtra struct {
	Capped         int           // answers whose total the server stopped counting
	CPU, ServerCPU time.Duration // per request: this process; PostgreSQL backends of the bench database
	HaveServerCPU  bool
	Load0, Load1   string
}

func (x archiveExtra) cpuText() string {
	s := ms(x.CPU) + " ms"
	if x.HaveServerCPU {
		s += " + PostgreSQL " + ms(x.ServerCPU) + " ms"
	}
	return s
}

// cpuMeter reads the CPU time spent on the measured requests: this process
// (client, server and, on SQLite, the database engine), and on PostgreSQL the
// backends serving the bench database (found by their command line, which
// names the database).
type cpuMeter struct {
	db string // PostgreSQL database name; empty on SQLite
}

func newCPUMeter(ctx context.Context, e *Env) *cpuMeter {
	m := &cpuMeter{}
	if e.Engine == "postgres" {
		_ = e.App.DB.Get(ctx, &m.db, "SELECT current_database()")
	}
	return m
}

// read returns the CPU used so far by this process and by the database's backends.
func (m *cpuMeter) read() (self, server time.Duration) {
	self = processCPU()
	if m.db == "" {
		return self, 0
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmd, err := os.ReadFile(d + "/cmdline")
		if err != nil || !bytes.HasPrefix(cmd, []byte("postgres: ")) || !bytes.Contains(cmd, []byte(" "+m.db+" ")) {
			continue
		}
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name in parentheses: utime and stime are
		// the 14th and 15th fields of the line, in clock ticks (100 per second).
		rest := string(stat[bytes.LastIndexByte(stat, ')')+2:])
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		server += time.Duration(u+s) * 10 * time.Millisecond
	}
	return self, server
}

// measureCPU measures a series and the CPU its measured requests used.
func measureCPU(ctx context.Context, s series, opt options, m *cpuMeter) (Latency, archiveExtra, error) {
	var self0, server0 time.Duration
	var x archiveExtra
	marks := 0
	mark := func() {
		self, server := m.read()
		if marks == 0 {
			self0, server0, x.Load0 = self, server, loadAverage()
		} else {
			x.CPU, x.ServerCPU, x.Load1 = self-self0, server-server0, loadAverage()
		}
		marks++
	}
	l, capped, err := measureCapped(ctx, s, opt.Warmup, opt.Requests, opt.Budget, mark)
	x.Capped = capped
	if l.N > 0 {
		x.CPU /= time.Duration(l.N)
		x.ServerCPU /= time.Duration(l.N)
	}
	x.HaveServerCPU = m.db != ""
	return l, x, err
}

// printArchiveExtras adds CPU per request, capped answers and the load
// average around each series to the latency table.
func printArchiveExtras(w io.Writer, ls []Latency, xs []archiveExtra) {
	fmt.Fprintln(w, "\n| query | CPU ms/request (this process) | CPU ms/request (PostgreSQL backends) | answers with total_exact false | load average before → after |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for i, l := range ls {
		if i >= len(xs) {
			break
		}
		x := xs[i]
		server := "—"
		if x.HaveServerCPU {
			server = ms(x.ServerCPU)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d of %d | %s → %s |\n", l.Name, ms(x.CPU), server, x.Capped, l.N, x.Load0, x.Load1)
	}
}
