package importer

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseCustomerRow(f *testing.F) {
	f.Add("张伟\t个人\t13800138000\t居民身份证\t11010519491231002X\ta@b.cn\t北京\tBJ01\t金卡\tA1\t甲,乙\t1949-12-31")
	f.Add("某公司\t企业\t010-12345678转1\t\t91350100M000100Y43\t\t\tBJ01\t\t\t\t46348")
	f.Add("\t\t1380013800\t护照\tE1\t@\t\t\t\t\t，，\t2026-13-01\textra")
	f.Add("（必填）\t\t+86\t其他\t\uFEFF\t\t\t\u3000\t\t\t、\t60")
	cols, _ := MapCustomerHeader(templateHeader)
	f.Fuzz(func(t *testing.T, line string) {
		cells := strings.Split(line, "\t")
		row, errs := ParseCustomerRow(cols, 2, cells)
		for _, e := range errs {
			if e.Message.ZH == "" || e.Message.EN == "" || e.Column == "" || e.Line != 2 {
				t.Fatalf("incomplete error %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		if row.Name == "" || row.OrgCode == "" || (row.Mobile == "" && row.IDNumber == "") {
			t.Fatalf("accepted a row without required fields: %+v", row)
		}
		if row.IDType == IDResident {
			if _, _, ok, _ := ResidentID(row.IDNumber); !ok {
				t.Fatalf("accepted an invalid resident ID %q", row.IDNumber)
			}
		}
		if row.Mobile != "" {
			if p, ok := Phone(row.Mobile); !ok || p != row.Mobile {
				t.Fatalf("phone %q is not stable: %q %v", row.Mobile, p, ok)
			}
		}
	})
}

func FuzzOpenCSV(f *testing.F) {
	f.Add([]byte(sampleCSV))
	f.Add([]byte("客户名称,所属机构编码\n\"a\nb\",\"c\"\"d\"\n,,\n\n"))
	f.Add([]byte("\xEF\xBB\xBF客户名称;手机号码\n张;1\n"))
	f.Add([]byte("\xFF\xFEa\x00\t\x00b\x00"))
	f.Add([]byte("\xbf\xcd\xbb\xa7\xc3\xfb\xb3\xc6\n\"unterminated"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data), int64(len(data)), "f.csv")
		if err != nil {
			return
		}
		defer func() { _ = r.Close() }()
		cols, _ := MapCustomerHeader(r.Header())
		prev := 0
		for n := 0; n < 1000; n++ {
			line, cells, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return
			}
			if line <= prev {
				t.Fatalf("line %d after %d", line, prev)
			}
			prev = line
			for _, c := range cells {
				if !utf8.ValidString(c) {
					t.Fatalf("invalid UTF-8 cell %q", c)
				}
			}
			ParseCustomerRow(cols, line, cells)
		}
	})
}

// FuzzValidators checks that validators never panic and that what they return is
// accepted again unchanged.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 10 12345678", "(010)1234-5678转9", "11010519491231002x", "110105491231002",
		"91350100M000100Y43", "a@B.cn", "2026年1月5日", "46348.5", "２０２６－１－５ 0:00", "1.1E+17", "\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n := Normalize(s); Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q", s)
		}
		if m, ok := Mobile(s); ok {
			if m2, ok2 := Mobile(m); !ok2 || m2 != m || len(m) != 11 {
				t.Fatalf("Mobile(%q) = %q, then %q %v", s, m, m2, ok2)
			}
		}
		if l, ok := Landline(s); ok {
			if l2, ok2 := Landline(l); !ok2 || l2 != l {
				t.Fatalf("Landline(%q) = %q, then %q %v", s, l, l2, ok2)
			}
		}
		if e, ok := Email(s); ok {
			if e2, ok2 := Email(e); !ok2 || e2 != e {
				t.Fatalf("Email(%q) = %q, then %q %v", s, e, e2, ok2)
			}
		}
		if id, b, ok, p := ResidentID(s); ok {
			if id2, b2, ok2, _ := ResidentID(id); !ok2 || id2 != id || !b2.Equal(b) {
				t.Fatalf("ResidentID(%q) = %q, then %q %v", s, id, id2, ok2)
			}
		} else if p.ZH == "" || p.EN == "" {
			t.Fatalf("ResidentID(%q) refused without a reason", s)
		}
		if c, ok, _ := USCC(s); ok {
			if c2, ok2, _ := USCC(c); !ok2 || c2 != c {
				t.Fatalf("USCC(%q) = %q, then %q %v", s, c, c2, ok2)
			}
		}
		if d, ok := Date(s); ok {
			if d2, ok2 := Date(d.Format("2006-01-02")); d.Year() >= 1000 && (!ok2 || !d2.Equal(d)) {
				t.Fatalf("Date(%q) = %v, then %v %v", s, d, d2, ok2)
			}
		}
		_, _, _ = phoneProblem(s)
	})
}
