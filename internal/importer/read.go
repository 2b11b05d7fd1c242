package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"lingting/internal/apperr"
)

// RowReader streams the rows of an uploaded sheet. Rows whose cells are all blank
// are skipped, and so is a template notes row right after the header (see
// IsNotesRow).
type RowReader interface {
	// Header returns the first non-blank row, cells trimmed, byte-order marks removed.
	Header() []string
	// Next returns the next row: line is its 1-based row number as Excel shows it
	// (the header is normally 1), cells are as in the file (not normalised). It
	// returns io.EOF after the last row; a malformed file yields an *apperr.Error
	// with code invalid.
	Next() (line int, cells []string, err error)
	// Close releases temporary files. It does not close the io.Reader given to Open.
	Close() error
}

// sniffSize is how much of the file decides the encoding.
const sniffSize = 64 * 1024

// maxUnzipped caps the uncompressed size of an .xlsx, against zip bombs.
const maxUnzipped = 1 << 30

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	utf8BOM  = []byte{0xEF, 0xBB, 0xBF}
)

// Open reads an uploaded sheet. The format is decided by content, not by filename
// (which only appears in messages): a zip ("PK\x03\x04") is read as .xlsx (first
// visible sheet, streamed with raw cell values, so dates arrive as Excel serials);
// anything else as CSV. A CSV is UTF-16 when it starts with a UTF-16 byte-order
// mark (Excel's "Unicode text"), UTF-8 when, after an optional UTF-8 BOM, its first
// 64 KiB are valid UTF-8, and GB18030 (a superset of GBK) otherwise. The delimiter
// is a comma, or a tab or semicolon when the header row has more of those.
//
// An .xlsx is copied to a temporary file (excelize needs random access; sheets over
// 16 MiB stay on disk); a CSV is streamed with constant memory. Old .xls and
// encrypted workbooks, empty files and binary files are refused with an
// *apperr.Error of code invalid (show its Message, not Error()). size is the
// upload's size if known (else -1); a CSV reader opened with a known size also has a
// method Progress() float64, the share of the file read so far.
func Open(r io.Reader, size int64, filename string) (RowReader, error) {
	if size == 0 {
		return nil, emptyFile(filename)
	}
	counted := &countingReader{r: r}
	br := bufio.NewReaderSize(counted, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	switch {
	case len(bytes.TrimSpace(bytes.TrimPrefix(head, utf8BOM))) == 0:
		return nil, emptyFile(filename)
	case bytes.HasPrefix(head, zipMagic):
		return openXLSX(br, filename)
	case bytes.HasPrefix(head, oleMagic):
		return nil, invalidf("文件 %s 是旧版 .xls 或加密的 Excel 文件，不支持；请在 Excel 中另存为 .xlsx（不加密）或 CSV 后重新上传",
			"%s is an old .xls or an encrypted workbook, which is not supported; save it as .xlsx (unencrypted) or CSV and upload again", filename)
	}
	rr, err := openCSV(br, head, err == nil, filename)
	if err != nil || size < 0 {
		return rr, err
	}
	return &progressSheet{sheet: rr.(*sheet), counted: counted, size: size}, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progressSheet is the RowReader of a CSV of known size.
type progressSheet struct {
	*sheet
	counted *countingReader
	size    int64
}

// Progress returns the share of the file read so far, from 0 to 1 (a little ahead,
// because of buffering). Only CSV readers opened with a known size have it; for an
// .xlsx the share is unknown.
func (p *progressSheet) Progress() float64 {
	return min(1, float64(p.counted.n)/float64(p.size))
}

func emptyFile(filename string) error {
	return invalidf("文件 %s 是空的", "%s is empty", filename)
}

// invalidf builds an invalid-input error from a Chinese and an English format that
// take the same arguments.
func invalidf(zh, en string, args ...any) *apperr.Error {
	return apperr.New(apperr.Invalid, fmt.Sprintf(zh, args...), fmt.Sprintf(en, args...))
}

// openCSV picks the text encoding and delimiter. more tells whether the file goes on
// beyond head, in which case a multi-byte character cut at the end is not an error.
func openCSV(br *bufio.Reader, head []byte, more bool, filename string) (RowReader, error) {
	var text io.Reader
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		text = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		text = transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	default:
		if bytes.IndexByte(head, 0) >= 0 {
			return nil, invalidf("文件 %s 不是 Excel（.xlsx）或 CSV 文件", "%s is neither an Excel (.xlsx) nor a CSV file", filename)
		}
		if bytes.HasPrefix(head, utf8BOM) {
			_, _ = br.Discard(len(utf8BOM))
			head = head[len(utf8BOM):]
		}
		text = br
		if !validUTF8Prefix(head, more) {
			text = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		}
	}
	tr := bufio.NewReaderSize(text, sniffSize)
	first, _ := tr.Peek(sniffSize)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	cr := csv.NewReader(tr)
	cr.Comma = sniffDelimiter(first)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	c := &csvRows{r: cr}
	return withHeader(c)
}

// validUTF8Prefix reports whether b is valid UTF-8, forgiving a character cut off at
// the end when the file continues.
func validUTF8Prefix(b []byte, more bool) bool {
	if more {
		for i := 0; i < utf8.UTFMax && i < len(b); i++ {
			if utf8.RuneStart(b[len(b)-1-i]) {
				if !utf8.FullRune(b[len(b)-1-i:]) {
					b = b[:len(b)-1-i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// sniffDelimiter picks ',' unless the header line has more tabs or semicolons.
func sniffDelimiter(line []byte) rune {
	best, n := ',', bytes.Count(line, []byte{','})
	for _, d := range []rune{'\t', ';'} {
		if k := bytes.Count(line, []byte{byte(d)}); k > n {
			best, n = d, k
		}
	}
	return best
}

// rowSource is one format's raw row stream; blank rows may be returned.
type rowSource interface {
	next() (line int, cells []string, err error)
	close() error
}

// sheet implements RowReader over a rowSource: it finds the header, skips blank rows
// and the template notes row.
type sheet struct {
	src       rowSource
	header    []string
	afterHead bool
}

func withHeader(src rowSource) (RowReader, error) {
	s := &sheet{src: src}
	_, cells, err := s.nextNonBlank()
	if errors.Is(err, io.EOF) {
		_ = src.close()
		return nil, invalidf("文件是空的（没有表头）", "the file is empty (no header row)")
	}
	if err != nil {
		_ = src.close()
		return nil, err
	}
	s.header = make([]string, len(cells))
	for i, c := range cells {
		s.header[i] = strings.TrimSpace(strings.ReplaceAll(c, "\uFEFF", ""))
	}
	s.afterHead = true
	return s, nil
}

func (s *sheet) Header() []string { return s.header }

func (s *sheet) Next() (int, []string, error) {
	line, cells, err := s.nextNonBlank()
	if err == nil && s.afterHead {
		s.afterHead = false
		if IsNotesRow(cells) {
			return s.nextNonBlank()
		}
	}
	return line, cells, err
}

func (s *sheet) nextNonBlank() (int, []string, error) {
	for {
		line, cells, err := s.src.next()
		if err != nil || !blank(cells) {
			return line, cells, err
		}
	}
}

func (s *sheet) Close() error { return s.src.close() }

func blank(cells []string) bool {
	for _, c := range cells {
		if Normalize(c) != "" {
			return false
		}
	}
	return true
}

// IsNotesRow reports whether a row is the notes row of a template: at least one
// non-blank cell, and every non-blank cell starts with a full-width "（", as in
// "（必填）不超过 64 个字". The reader drops such a row when it directly follows the
// header, so a template filled in with its notes row left in place imports cleanly.
func IsNotesRow(cells []string) bool {
	seen := false
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !strings.HasPrefix(c, "（") {
			return false
		}
		seen = true
	}
	return seen
}

// csvRows numbers records as Excel shows them: a record's number is its first
// physical line minus the extra lines taken by line breaks inside earlier quoted
// cells (blank lines still count, as Excel shows them as empty rows).
type csvRows struct {
	r     *csv.Reader
	extra int
}

func (c *csvRows) next() (int, []string, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		line := 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine - c.extra
		}
		return line, nil, &apperr.Error{Code: apperr.Invalid, Err: err, Message: apperr.Msg{
			ZH: fmt.Sprintf("CSV 文件第 %d 行格式错误，无法继续读取", line),
			EN: fmt.Sprintf("the CSV file is malformed at row %d and cannot be read further", line),
		}}
	}
	start, _ := c.r.FieldPos(0)
	last, _ := c.r.FieldPos(len(rec) - 1)
	line := start - c.extra
	c.extra += last - start + strings.Count(rec[len(rec)-1], "\n")
	for i, v := range rec {
		if !utf8.ValidString(v) {
			rec[i] = strings.ToValidUTF8(v, "\uFFFD")
		}
	}
	return line, rec, nil
}

func (c *csvRows) close() error { return nil }

// xlsxRows streams the first visible sheet of a workbook.
type xlsxRows struct {
	f    *excelize.File
	rows *excelize.Rows
	line int
}

func openXLSX(r io.Reader, filename string) (RowReader, error) {
	tmp, err := os.CreateTemp("", "lingting-import-*.xlsx")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	_, err = io.Copy(tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(tmp.Name(), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped})
	if err != nil {
		return nil, &apperr.Error{Code: apperr.Invalid, Err: err, Message: apperr.Msg{
			ZH: fmt.Sprintf("无法读取 Excel 文件 %s，请确认它是 .xlsx 格式且未损坏", filename),
			EN: fmt.Sprintf("cannot read the Excel file %s; check that it is an undamaged .xlsx", filename),
		}}
	}
	name := ""
	for _, n := range f.GetSheetList() {
		if visible, _ := f.GetSheetVisible(n); visible {
			name = n
			break
		}
	}
	if name == "" {
		_ = f.Close()
		return nil, invalidf("Excel 文件 %s 中没有可见的工作表", "the Excel file %s has no visible sheet", filename)
	}
	rows, err := f.Rows(name)
	if err != nil {
		_ = f.Close()
		return nil, &apperr.Error{Code: apperr.Invalid, Err: err, Message: apperr.Msg{
			ZH: fmt.Sprintf("无法读取 Excel 文件 %s 的工作表“%s”", filename, name),
			EN: fmt.Sprintf("cannot read sheet %q of the Excel file %s", name, filename),
		}}
	}
	return withHeader(&xlsxRows{f: f, rows: rows})
}

func (x *xlsxRows) next() (int, []string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return 0, nil, &apperr.Error{Code: apperr.Invalid, Err: err, Message: apperr.Msg{
				ZH: "Excel 文件行数超出上限或已损坏", EN: "the Excel file has too many rows or is damaged",
			}}
		}
		return 0, nil, io.EOF
	}
	x.line++
	cells, err := x.rows.Columns()
	if err != nil {
		return x.line, nil, &apperr.Error{Code: apperr.Invalid, Err: err, Message: apperr.Msg{
			ZH: fmt.Sprintf("Excel 文件第 %d 行无法读取", x.line),
			EN: fmt.Sprintf("row %d of the Excel file cannot be read", x.line),
		}}
	}
	return x.line, cells, nil
}

func (x *xlsxRows) close() error {
	err := x.rows.Close()
	if ferr := x.f.Close(); err == nil {
		err = ferr
	}
	return err
}
