package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const benchRows = 100_000

var surnames = []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"}

// customerLine renders row i of a realistic customer file; about one row in twenty
// has a problem (a 10-digit phone, a wrong check digit, a bad date).
func customerLine(i int) string {
	id := withCheck(fmt.Sprintf("3301%02d19%02d%02d%02d%03d", i%90+10, 50+i%50, 1+i%12, 1+i%28, i%1000))
	phone := fmt.Sprintf("13%09d", i)
	birthday := id[6:10] + "-" + id[10:12] + "-" + id[12:14]
	switch i % 20 {
	case 7:
		phone = phone[:10]
	case 13:
		id = wrongCheck(id[:17])
	case 17:
		birthday = "2026-13-01"
	}
	return fmt.Sprintf("%s%d,个人,%s,居民身份证,%s,user%d@example.com,\"浙江省杭州市西湖区文三路 %d 号, %d 室\",HZ%02d,金卡,A%04d,\"代发工资，理财\",%s\r\n",
		surnames[i%len(surnames)], i, phone, id, i, i%500, i%30, i%40, i%9999, birthday)
}

var (
	benchOnce sync.Once
	benchGBK  []byte
	benchXLSX []byte
)

func benchFiles(b *testing.B) {
	benchOnce.Do(func() {
		var s strings.Builder
		s.WriteString(strings.Join(templateHeader, ",") + "\r\n")
		for i := range benchRows {
			s.WriteString(customerLine(i))
		}
		var err error
		if benchGBK, err = simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s.String())); err != nil {
			b.Fatal(err)
		}
		f := excelize.NewFile()
		defer func() { _ = f.Close() }()
		sw, _ := f.NewStreamWriter("Sheet1")
		header := make([]any, len(templateHeader))
		for i, h := range templateHeader {
			header[i] = h
		}
		_ = sw.SetRow("A1", header)
		for i := range benchRows {
			values := []any{fmt.Sprintf("%s%d", surnames[i%len(surnames)], i), "个人", fmt.Sprintf("13%09d", i), "居民身份证",
				withCheck(fmt.Sprintf("3301%02d19%02d%02d%02d%03d", i%90+10, 50+i%50, 1+i%12, 1+i%28, i%1000)), "", "杭州市", "HZ01"}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			_ = sw.SetRow(cell, values)
		}
		_ = sw.Flush()
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			b.Fatal(err)
		}
		benchXLSX = buf.Bytes()
	})
}

// importAll runs the whole pipeline and returns (accepted, rejected).
func importAll(tb testing.TB, data []byte, parse bool) (int, int) {
	r, err := Open(bytes.NewReader(data), int64(len(data)), "customers.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	cols, errs := MapCustomerHeader(r.Header())
	if len(errs) != 0 {
		tb.Fatal(errs)
	}
	accepted, rejected := 0, 0
	for {
		line, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return accepted, rejected
		}
		if err != nil {
			tb.Fatal(err)
		}
		if !parse {
			accepted++
			continue
		}
		if _, errs := ParseCustomerRow(cols, line, cells); len(errs) == 0 {
			accepted++
		} else {
			rejected++
		}
	}
}

// BenchmarkReadCSV100k reads a 100,000-row GBK CSV without validating.
func BenchmarkReadCSV100k(b *testing.B) {
	benchFiles(b)
	b.SetBytes(int64(len(benchGBK)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if n, _ := importAll(b, benchGBK, false); n != benchRows {
			b.Fatalf("read %d rows", n)
		}
	}
}

// BenchmarkParseRows reads, maps and validates a 100,000-row GBK CSV.
func BenchmarkParseRows(b *testing.B) {
	benchFiles(b)
	b.SetBytes(int64(len(benchGBK)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ok, bad := importAll(b, benchGBK, true)
		if ok+bad != benchRows || bad != benchRows*3/20 {
			b.Fatalf("accepted %d, rejected %d", ok, bad)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkParseXLSX100k reads and validates a 100,000-row workbook.
func BenchmarkParseXLSX100k(b *testing.B) {
	benchFiles(b)
	b.SetBytes(int64(len(benchXLSX)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if ok, bad := importAll(b, benchXLSX, true); ok != benchRows || bad != 0 {
			b.Fatalf("accepted %d, rejected %d", ok, bad)
		}
	}
}

// generated is a reader that produces a CSV of n rows on the fly, so the test below
// sees the importer's memory, not the file's.
type generated struct {
	n, i int
	buf  []byte
}

func (g *generated) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.i > g.n {
			return 0, io.EOF
		}
		if g.i == 0 {
			g.buf = []byte(strings.Join(templateHeader, ",") + "\r\n")
		} else {
			g.buf, _ = simplifiedchinese.GBK.NewEncoder().Bytes([]byte(customerLine(g.i)))
		}
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

func TestLargeCSVStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 rows")
	}
	r, err := Open(&generated{n: benchRows}, -1, "big.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	cols, _ := MapCustomerHeader(r.Header())
	var peak uint64
	var ms runtime.MemStats
	for n := 0; ; n++ {
		line, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ParseCustomerRow(cols, line, cells)
		if n%20000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if peak > 32<<20 {
		t.Errorf("heap reached %d MiB while streaming", peak>>20)
	}
}
