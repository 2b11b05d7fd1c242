package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Latency summarises one series of sequential requests.
type Latency struct {
	Name          string
	N             int
	P50, P95, P99 time.Duration
	Max, Mean     time.Duration
	Target        time.Duration // p95 target, 0 when none
	AvgTotal      float64       // mean "total" of the answers (how many rows matched)
	Zero          int           // answers that matched nothing
}

// Met reports whether p95 is within the target.
func (l Latency) Met() string {
	if l.Target == 0 {
		return "—"
	}
	if l.P95 < l.Target {
		return "met"
	}
	return "NOT met"
}

func summarize(name string, samples []time.Duration, target time.Duration, avgTotal float64) Latency {
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	l := Latency{Name: name, N: len(s), Target: target, AvgTotal: avgTotal}
	if len(s) == 0 {
		return l
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	l.Mean = sum / time.Duration(len(s))
	l.P50, l.P95, l.P99, l.Max = pct(s, 50), pct(s, 95), pct(s, 99), s[len(s)-1]
	return l
}

// pct is the nearest-rank percentile of sorted samples.
func pct(sorted []time.Duration, p float64) time.Duration {
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }

// printLatencies writes a Markdown table.
func printLatencies(w io.Writer, title string, ls []Latency) {
	fmt.Fprintf(w, "\n%s\n\n", title)
	fmt.Fprintln(w, "| query | n | p50 ms | p95 ms | p99 ms | max ms | avg matches | target p95 | result |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, l := range ls {
		target := "—"
		if l.Target > 0 {
			target = "< " + ms(l.Target)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %.0f | %s | %s |\n", l.Name, l.N, ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), l.AvgTotal, target, l.Met())
	}
}

// procStatus reads a "VmRSS:   1234 kB" style field of /proc/self/status in bytes.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			parts := strings.Fields(rest)
			if len(parts) > 0 {
				n, _ := strconv.ParseInt(parts[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

// resetPeakRSS resets VmHWM to the current RSS (Linux: clear_refs 5); it
// reports whether that worked.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// rssSampler records the RSS of this process every interval until stopped.
type rssSampler struct {
	mu      sync.Mutex
	samples []int64
	stop    chan struct{}
	done    chan struct{}
}

func sampleRSS(interval time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.mu.Lock()
			s.samples = append(s.samples, procStatus("VmRSS"))
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the samples.
func (s *rssSampler) Stop() []int64 {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

func mib(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) + " MiB" }

// quartiles summarises RSS samples as the max of each quarter of the run, to
// show whether memory grows with the rows streamed.
func quartiles(samples []int64) string {
	if len(samples) < 4 {
		return ""
	}
	var parts []string
	q := len(samples) / 4
	for i := range 4 {
		end := (i + 1) * q
		if i == 3 {
			end = len(samples)
		}
		m := int64(0)
		for _, v := range samples[i*q : end] {
			m = max(m, v)
		}
		parts = append(parts, strconv.FormatInt(m>>20, 10))
	}
	return strings.Join(parts, " / ") + " MiB"
}

// loadAverage is the 1, 5 and 15 minute load averages of the machine
// (/proc/loadavg), with the number of CPUs; "unknown" where there are none.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "unknown"
	}
	return fmt.Sprintf("%s %s %s (%d CPUs)", f[0], f[1], f[2], runtime.NumCPU())
}

// processCPU is the user and system CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
