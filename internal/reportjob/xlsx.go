package reportjob

import (
	"context"
	"io"

	"lingting/internal/xlsxstream"
)

// Doc is one export ready to be written: the same value serves the
// synchronous download and the background job, so both hold the same rows.
type Doc struct {
	Name    string   // the file name without .xlsx (Chinese, as the user sees it)
	Header  []string // the first row: title, period, filters
	Columns []string // the second row: the column names
	// Total is the number of rows Rows emits (the threshold and progress
	// are measured against it); -1 when unknown.
	Total int
	// Rows emits the data rows (totals included) in order.
	Rows func(emit func([]string) error) error
}

// Renderer builds a report's export as the principal in ctx sees it; query
// is the report page's query string. The HTTP layer implements it with the
// handlers' own code.
type Renderer interface {
	Open(ctx context.Context, report, query string) (*Doc, error)
}

// WriteXLSX streams doc into one sheet through xlsxstream, which deflates
// rows into the file as they come (flat memory however many rows). progress,
// when set, is called after each data row with the rows written so far; an
// error from it stops the export. It answers the number of data rows.
func WriteXLSX(w io.Writer, doc *Doc, progress func(rows int) error) (int, error) {
	x, err := xlsxstream.New(w, "Sheet1")
	if err != nil {
		return 0, err
	}
	if err := x.Row(doc.Header); err != nil {
		return 0, err
	}
	if err := x.Row(doc.Columns); err != nil {
		return 0, err
	}
	rows := 0
	if doc.Rows != nil {
		err = doc.Rows(func(cells []string) error {
			if err := x.Row(cells); err != nil {
				return err
			}
			rows++
			if progress != nil {
				return progress(rows)
			}
			return nil
		})
		if err != nil {
			return rows, err
		}
	}
	return rows, x.Close()
}
