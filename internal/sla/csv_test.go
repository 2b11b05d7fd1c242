package sla

import (
	"bytes"
	"slices"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"lingting/internal/apperr"
)

func TestCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, autumn2026); err != nil {
		t.Fatal(err)
	}
	want := "date,kind\n2026-09-20,workday\n2026-09-25,holiday\n"
	if !bytes.HasPrefix(buf.Bytes(), []byte(want)) {
		t.Fatalf("export starts %q", buf.String()[:80])
	}
	h, w, err := ParseCSV(buf.Bytes())
	if err != nil || !slices.Equal(h, autumn2026.Holidays) || !slices.Equal(w, autumn2026.Workdays) {
		t.Fatalf("round trip: %v %v %v", h, w, err)
	}
}

func TestParseCSV(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("日期,类型\n2026-10-01,放假\n2026-10-10,调休,国庆调休\n"))
	cases := []struct {
		name      string
		in        []byte
		hol, work []string
		bad       []string // fields of the 422
	}{
		{"header, BOM, blank lines, extra columns, Chinese kinds", []byte("\xef\xbb\xbfdate,kind\n2026-10-01,holiday,国庆\n\n2026-10-10, 调休\n"), []string{"2026-10-01"}, []string{"2026-10-10"}, nil},
		{"no header, CRLF", []byte("2026-10-01,HOLIDAY\r\n2026-10-10,workday\r\n"), []string{"2026-10-01"}, []string{"2026-10-10"}, nil},
		{"GBK from Excel with a Chinese header", gbk, []string{"2026-10-01"}, []string{"2026-10-10"}, nil},
		{"a header only on line 1", []byte("2026-10-01,holiday\ndate,kind\n"), nil, nil, []string{"line 2"}},
		{"bad date, bad kind, one column", []byte("2026-02-30,holiday\n2026-10-01,vacation\n2026-10-02\n"), nil, nil, []string{"line 1", "line 2", "line 3"}},
		{"empty", []byte("date,kind\n"), nil, nil, []string{"file"}},
		{"both kinds for one date", []byte("2026-10-01,holiday\n2026-10-01,workday\n"), nil, nil, []string{"file"}},
		{"unbalanced quote", []byte("\"2026-10-01,holiday\n"), nil, nil, []string{"line 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, w, err := ParseCSV(c.in)
			if c.bad == nil {
				if err != nil || !slices.Equal(h, c.hol) || !slices.Equal(w, c.work) {
					t.Fatalf("got %v %v %v", h, w, err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("want 422, got %v %v %v", h, w, err)
			}
			for _, f := range c.bad {
				if _, ok := e.Fields[f]; !ok {
					t.Errorf("no error for %s: %v", f, e.Fields)
				}
			}
		})
	}
}

func TestMergeDates(t *testing.T) {
	c := &Calendar{Holidays: []string{"2026-10-01", "2026-10-08"}, Workdays: []string{"2026-10-10"}}
	MergeDates(c, []string{"2026-10-10", "2026-10-02"}, []string{"2026-10-08"}, false)
	if !slices.Equal(c.Holidays, []string{"2026-10-01", "2026-10-10", "2026-10-02"}) || !slices.Equal(c.Workdays, []string{"2026-10-08"}) {
		t.Fatalf("merge: %v %v", c.Holidays, c.Workdays)
	}
	MergeDates(c, []string{"2027-01-01"}, nil, true)
	if !slices.Equal(c.Holidays, []string{"2027-01-01"}) || len(c.Workdays) != 0 {
		t.Fatalf("replace: %v %v", c.Holidays, c.Workdays)
	}
}
