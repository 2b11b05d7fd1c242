package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

// ExportResult is one streamed export.
type ExportResult struct {
	Format             string
	Rows               int
	Bytes              int64
	FirstByte, Elapsed time.Duration
	StartRSS, PeakRSS  int64
	Quartiles          string
	PeakResetOK        bool
}

// probe counts what the client receives and when the first byte came.
type probe struct {
	start, first time.Time
	n            int64
	lines        int
}

func (p *probe) Write(b []byte) (int, error) {
	if p.first.IsZero() {
		p.first = time.Now()
	}
	p.n += int64(len(b))
	p.lines += bytes.Count(b, []byte{'\n'})
	return len(b), nil
}

// RunExport downloads the whole archive as the admin in both formats and
// reports time and the memory of this process. The server runs in this
// process, so its RSS is the server's (plus the client, which only counts
// bytes): VmHWM is reset before each export (/proc/self/clear_refs) and VmRSS
// sampled every 100 ms to see whether memory grows with the rows.
func RunExport(ctx context.Context, e *Env, opt options) ([]ExportResult, error) {
	total, err := e.CountCustomers(ctx)
	if err != nil {
		return nil, err
	}
	var out []ExportResult
	for _, format := range []string{"csv", "xlsx"} {
		runtime.GC()
		debug.FreeOSMemory()
		r := ExportResult{Format: format, Rows: total, StartRSS: procStatus("VmRSS")}
		r.PeakResetOK = resetPeakRSS()
		s := sampleRSS(100 * time.Millisecond)
		p := &probe{start: time.Now()}
		var sink io.Writer = p
		var kept *os.File // the workbook, to count its rows afterwards
		if format == "xlsx" {
			if kept, err = os.CreateTemp("", "lingting-export-*.xlsx"); err != nil {
				return out, err
			}
			defer os.Remove(kept.Name())
			defer kept.Close()
			sink = io.MultiWriter(p, kept)
		}
		n, err := e.Admin.Stream(ctx, "/api/v1/exports/customers."+format, sink)
		r.Elapsed = time.Since(p.start)
		samples := s.Stop()
		if err != nil {
			return out, err
		}
		r.Bytes, r.FirstByte = n, p.first.Sub(p.start)
		r.PeakRSS = procStatus("VmHWM")
		if !r.PeakResetOK { // fall back to the sampled maximum
			r.PeakRSS = 0
			for _, v := range samples {
				r.PeakRSS = max(r.PeakRSS, v)
			}
		}
		r.Quartiles = quartiles(samples)
		if format == "csv" && p.lines != total+1 {
			return out, fmt.Errorf("csv export has %d lines, want %d customers + header", p.lines, total)
		}
		if kept != nil {
			rows, err := xlsxRows(kept, n)
			if err != nil {
				return out, fmt.Errorf("xlsx export: %w", err)
			}
			if rows != total+1 {
				return out, fmt.Errorf("xlsx export has %d rows, want %d customers + header", rows, total)
			}
		}
		fmt.Fprintf(opt.Out, "export %s: %d rows, %.1f MiB in %s (first byte after %s); RSS %s before, peak %s; RSS by quarter %s; load average after %s\n",
			format, total, float64(n)/(1<<20), r.Elapsed.Round(time.Millisecond), r.FirstByte.Round(time.Millisecond), mib(r.StartRSS), mib(r.PeakRSS), r.Quartiles, loadAverage())
		out = append(out, r)
	}
	fmt.Fprintf(opt.Out, "\n### export of %d customers on %s (admin, streamed to io.Discard; server in-process)\n\n", total, e.Engine)
	fmt.Fprintln(opt.Out, "| file | size | time s | first byte s | rows/s | RSS before | peak RSS (VmHWM) | RSS max per quarter of the run |")
	fmt.Fprintln(opt.Out, "|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range out {
		fmt.Fprintf(opt.Out, "| .%s | %.0f MiB | %.1f | %.1f | %.0f | %s | %s | %s |\n", r.Format, float64(r.Bytes)/(1<<20), r.Elapsed.Seconds(), r.FirstByte.Seconds(),
			float64(r.Rows)/r.Elapsed.Seconds(), mib(r.StartRSS), mib(r.PeakRSS), r.Quartiles)
	}
	return out, nil
}

// xlsxRows counts the rows of the first worksheet of a workbook, reading the
// sheet's XML as a stream (opening it with excelize would hold it all).
func xlsxRows(f *os.File, size int64) (int, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return 0, err
	}
	for _, zf := range zr.File {
		if zf.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			return 0, err
		}
		defer r.Close()
		rows, carry := 0, []byte{}
		buf := make([]byte, 1<<20)
		for {
			k, err := r.Read(buf)
			chunk := append(carry, buf[:k]...)
			rows += bytes.Count(chunk, []byte("<row "))
			// The last 4 bytes go on: a tag split between reads is counted
			// in the next chunk, and 4 bytes never hold a whole one.
			carry = append([]byte{}, chunk[max(0, len(chunk)-4):]...)
			if err == io.EOF {
				return rows, nil
			}
			if err != nil {
				return 0, err
			}
		}
	}
	return 0, fmt.Errorf("no sheet1.xml")
}
