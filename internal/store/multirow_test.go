package store

import "testing"

func TestMultiRowInsert(t *testing.T) {
	got := MultiRowInsert("t", []string{"a", "b"}, 3, " ON CONFLICT (a) DO NOTHING")
	want := "INSERT INTO t (a, b) VALUES (?,?),(?,?),(?,?) ON CONFLICT (a) DO NOTHING"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := MultiRowInsert("t", []string{"a"}, 1, ""); got != "INSERT INTO t (a) VALUES (?)" {
		t.Fatalf("one row: %q", got)
	}
}
