package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"lingting/internal/customer"
	"lingting/internal/importer"
)

// Targets of the issue for an import of 10^5 rows, end to end.
var importTargets = map[string]time.Duration{"sqlite": 30 * time.Second, "postgres": 45 * time.Second}

// importFirst is the generator index of the first imported record: far from
// the archive's records, so phones and ID numbers never collide with them.
const importFirst = 10_000_000

var gradeNames = map[string]string{"normal": "普通", "silver": "银卡", "gold": "金卡", "diamond": "钻石"}

// ImportResult is one file's import, phase by phase.
type ImportResult struct {
	Format, Engine                 string
	Rows, Bytes, Before            int
	Accepted, Rejected, Duplicates int
	Upload, Validate, Apply, Total time.Duration
	PeakRSS, StartRSS, Customers   int64
	CPU                            time.Duration // CPU time of this process (server and client) from upload to applied
	Target                         time.Duration
	ValidateRate, ApplyRate        float64
	PeakResetOK                    bool
	Unfinished                     string // the phase that ran out of time
	Applied                        int    // rows applied when the apply ran out of time
}

// importRows returns the cells of rows generated records, in template order.
func importRows(gen *Generator, rows int) [][]string {
	out := make([][]string, rows)
	for i := range out {
		rec := gen.Record(importFirst + i)
		kind, idType, birthday, manager := "个人", "居民身份证", "", ""
		if rec.Kind == customer.KindOrganization {
			kind, idType = "企业", ""
		}
		if rec.Birthday != nil && i%2 == 0 {
			birthday = *rec.Birthday
		}
		if jobs := rec.Outlet.JobNos; len(jobs) > 0 && i%3 == 0 {
			manager = jobs[i%len(jobs)]
		}
		out[i] = []string{rec.Name, kind, rec.Phones[0].Number, idType, rec.IDNumber, rec.Email, rec.Address, rec.Outlet.Code,
			gradeNames[rec.Grade], manager, strings.Join(rec.Tags, "，"), birthday}
	}
	return out
}

func importHeader() []string {
	var h []string
	for _, c := range importer.CustomerColumns() {
		h = append(h, c.Label)
	}
	return h
}

// gbkCSV renders rows as a GBK-encoded CSV with CRLF line ends (what Excel on
// a Chinese Windows saves).
func gbkCSV(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(importHeader()); err != nil {
		return nil, err
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return simplifiedchinese.GBK.NewEncoder().Bytes(buf.Bytes())
}

// xlsxFile renders rows as one sheet, every cell text (as a user formats the
// ID and phone columns).
func xlsxFile(rows [][]string) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	put := func(line int, cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, line)
		return sw.SetRow(cell, vals)
	}
	if err := put(1, importHeader()); err != nil {
		return nil, err
	}
	for i, r := range rows {
		if err := put(i+2, r); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RunImport imports opt.Rows generated rows per format, each into a fresh app
// (with opt.Base customers bulk-loaded first), timing upload, validation and
// apply through the API as the admin.
//
// Each format gets an equal share of the time left; a phase that runs out of
// it is reported as not finished (with the rows applied so far, observed
// through customer.ApplyHook) rather than failing the run.
func RunImport(ctx context.Context, opt options) ([]ImportResult, error) {
	var out []ImportResult
	formats := strings.Split(opt.Formats, ",")
	for i, format := range formats {
		format = strings.TrimSpace(format)
		if format != "csv" && format != "xlsx" {
			return out, fmt.Errorf("unknown import format %q (want csv or xlsx)", format)
		}
		fctx, cancel := ctx, context.CancelFunc(func() {})
		if dl, ok := ctx.Deadline(); ok {
			fctx, cancel = context.WithTimeout(ctx, time.Until(dl)/time.Duration(len(formats)-i))
		}
		r, err := importOnce(fctx, opt, format)
		cancel()
		if err != nil && r.Unfinished == "" {
			return out, err
		}
		out = append(out, r)
		if ctx.Err() != nil {
			break // the whole run's time is up: report what was measured
		}
	}
	printImports(opt, out)
	if err := ctx.Err(); err != nil {
		return out, err
	}
	return out, nil
}

func importOnce(ctx context.Context, opt options, format string) (res ImportResult, err error) {
	res = ImportResult{Format: format, Engine: opt.Engine, Rows: opt.Rows, Target: importTargets[opt.Engine]}
	e, err := NewEnv(ctx, opt, "")
	if err != nil {
		return res, err
	}
	defer e.Close()
	if opt.Base > 0 {
		if _, err := e.EnsureArchive(ctx, opt.Base); err != nil {
			return res, err
		}
	}
	before, err := e.CountCustomers(ctx)
	if err != nil {
		return res, err
	}
	res.Before = before
	t0 := time.Now()
	rows := importRows(NewGenerator(opt.Seed, e.Outlets), opt.Rows)
	var content []byte
	filename := "客户导入-bench." + format
	if format == "csv" {
		content, err = gbkCSV(rows)
	} else {
		content, err = xlsxFile(rows)
	}
	if err != nil {
		return res, err
	}
	res.Bytes = len(content)
	rows = nil
	fmt.Fprintf(opt.Out, "\nimport %s: %d rows, %.1f MiB, generated in %s\n", format, opt.Rows, float64(len(content))/(1<<20), time.Since(t0).Round(time.Millisecond))

	fmt.Fprintf(opt.Out, "  load average before the upload: %s\n", loadAverage())
	defer func() { fmt.Fprintf(opt.Out, "  load average after: %s\n", loadAverage()) }()
	res.StartRSS = procStatus("VmRSS")
	res.PeakResetOK = resetPeakRSS()
	defer func() { res.PeakRSS = procStatus("VmHWM") }()
	start, cpu0 := time.Now(), processCPU()
	var imp struct {
		ID         int64  `json:"id"`
		Status     string `json:"status"`
		Total      int    `json:"total"`
		Accepted   int    `json:"accepted"`
		Rejected   int    `json:"rejected"`
		Duplicates int    `json:"duplicates"`
		Progress   int    `json:"progress"`
		Failure    string `json:"failure"`
		Errors     []struct {
			Row     int    `json:"row"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := e.Admin.Upload(ctx, "/api/v1/imports", map[string]string{"kind": "customers", "duplicate_policy": "skip"}, filename, content, &imp); err != nil {
		return res, err
	}
	content = nil
	res.Upload = time.Since(start)
	path := "/api/v1/imports/" + strconv.FormatInt(imp.ID, 10)
	lastReport := time.Now()
	for imp.Status == customer.ImportValidating {
		select {
		case <-ctx.Done():
			res.Unfinished, res.Validate = "validation", time.Since(start)-res.Upload
			res.Total = time.Since(start)
			return res, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if err := e.Admin.JSON(ctx, "GET", path, nil, &imp); err != nil {
			return res, err
		}
		if time.Since(lastReport) > 10*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(opt.Log, "  validating: %d rows, progress %d%%, %s\n", imp.Total, imp.Progress, time.Since(start).Round(time.Second))
		}
	}
	res.Validate = time.Since(start) - res.Upload
	if imp.Status != customer.ImportReady {
		return res, fmt.Errorf("import %d is %s, not ready: %s %v", imp.ID, imp.Status, imp.Failure, imp.Errors)
	}
	res.Accepted, res.Rejected, res.Duplicates = imp.Accepted, imp.Rejected, imp.Duplicates
	if imp.Accepted != opt.Rows {
		return res, fmt.Errorf("import %d accepted %d of %d generated rows (%d rejected, %d duplicates); first errors: %+v",
			imp.ID, imp.Accepted, opt.Rows, imp.Rejected, imp.Duplicates, imp.Errors[:min(3, len(imp.Errors))])
	}
	// The apply is one transaction behind one request; the service's exported
	// test hook reports its progress row by row.
	var applied atomic.Int64
	customer.ApplyHook = func(n int) { applied.Store(int64(n)) }
	defer func() { customer.ApplyHook = nil }()
	t1 := time.Now()
	stopProgress := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				el := time.Since(t1)
				fmt.Fprintf(opt.Log, "  applying: %d rows in %s (%.0f rows/s)\n", applied.Load(), el.Round(time.Second), float64(applied.Load())/el.Seconds())
			}
		}
	}()
	err = e.Admin.JSON(ctx, "POST", path+"/apply", nil, &imp)
	close(stopProgress)
	res.Apply = time.Since(t1)
	if err != nil {
		if ctx.Err() != nil {
			res.Unfinished, res.Applied, res.Total = "apply", int(applied.Load()), time.Since(start)
			res.ApplyRate = float64(res.Applied) / res.Apply.Seconds()
			res.ValidateRate = float64(opt.Rows) / res.Validate.Seconds()
			fmt.Fprintf(opt.Out, "  upload %s, validation %s (%.0f rows/s); apply NOT finished: %d of %d rows after %s (%.0f rows/s) when the time share ran out\n",
				res.Upload.Round(time.Millisecond), res.Validate.Round(time.Millisecond), res.ValidateRate, res.Applied, opt.Rows, res.Apply.Round(time.Second), res.ApplyRate)
		}
		return res, err
	}
	res.Total, res.CPU = time.Since(start), processCPU()-cpu0
	if imp.Status != customer.ImportApplied {
		return res, fmt.Errorf("import %d is %s after apply", imp.ID, imp.Status)
	}
	after, err := e.CountCustomers(ctx)
	if err != nil {
		return res, err
	}
	res.Customers = int64(after - before)
	res.ValidateRate = float64(opt.Rows) / res.Validate.Seconds()
	res.ApplyRate = float64(opt.Rows) / res.Apply.Seconds()
	fmt.Fprintf(opt.Out, "  upload %s, validation %s (%.0f rows/s), apply %s (%.0f rows/s), total %s (CPU of this process %s); %d customers added; peak RSS %s\n",
		res.Upload.Round(time.Millisecond), res.Validate.Round(time.Millisecond), res.ValidateRate, res.Apply.Round(time.Millisecond), res.ApplyRate,
		res.Total.Round(time.Millisecond), res.CPU.Round(time.Millisecond), res.Customers, mib(procStatus("VmHWM")))
	return res, nil
}

func printImports(opt options, rs []ImportResult) {
	before := 0
	if len(rs) > 0 {
		before = rs[0].Before
	}
	fmt.Fprintf(opt.Out, "\n### import of %d rows on %s (upload → validation → apply, through the API as admin; %d customers in the archive before)\n\n", opt.Rows, opt.Engine, before)
	fmt.Fprintln(opt.Out, "| file | size | upload s | validation s | apply s | total s | CPU s (this process) | accepted | peak RSS | target | result |")
	fmt.Fprintln(opt.Out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rs {
		result := "met"
		if r.Total >= r.Target {
			result = "NOT met"
		}
		name := map[string]string{"csv": "GBK .csv", "xlsx": ".xlsx"}[r.Format]
		apply, total := fmt.Sprintf("%.1f", r.Apply.Seconds()), fmt.Sprintf("%.1f", r.Total.Seconds())
		switch r.Unfinished {
		case "apply":
			apply = fmt.Sprintf("> %.0f (%d rows applied)", r.Apply.Seconds(), r.Applied)
			total = fmt.Sprintf("> %.0f", r.Total.Seconds())
		case "validation":
			apply, total = "—", fmt.Sprintf("> %.0f", r.Total.Seconds())
		}
		cpu := "—"
		if r.CPU > 0 {
			cpu = fmt.Sprintf("%.1f", r.CPU.Seconds())
		}
		fmt.Fprintf(opt.Out, "| %s | %.1f MiB | %.1f | %.1f | %s | %s | %s | %d | %s | < %.0f s | %s |\n", name, float64(r.Bytes)/(1<<20),
			r.Upload.Seconds(), r.Validate.Seconds(), apply, total, cpu, r.Accepted, mib(r.PeakRSS), r.Target.Seconds(), result)
	}
}
