package customer

import (
	"slices"
	"testing"
)

// TestTextTerms pins the terms of a document and of a query: CJK unigrams and
// bigrams of each run of Han characters, lower-cased ASCII words, everything
// else a separator.
func TestTextTerms(t *testing.T) {
	cases := []struct {
		text  string
		uni   bool
		terms []string
	}{
		{"北京分行", true, []string{"北", "北京", "京", "京分", "分", "分行", "行"}},
		{"北京分行", false, []string{"北京", "京分", "分行"}},
		{"张", false, []string{"张"}},
		{"朝阳区ABC路12号 Room-3", true, []string{"朝", "朝阳", "阳", "阳区", "区", "abc", "路", "12", "号", "room", "3"}},
		{"li.Wei@Example.com", true, []string{"li", "wei", "example", "com"}},
		{"张三x李四", false, []string{"张三", "x", "李四"}},
		{"", true, nil},
		{"—— ！", true, nil},
	}
	for _, c := range cases {
		if got := textTerms(c.text, c.uni); !slices.Equal(got, c.terms) {
			t.Errorf("textTerms(%q, %v) = %q, want %q", c.text, c.uni, got, c.terms)
		}
	}
}

func TestSearchTermsAreDistinct(t *testing.T) {
	got := searchTerms(&Customer{Name: "张张", Address: "张家口", Code: "KH00000001"}, "zz")
	want := []string{"张", "张张", "张家", "家", "家口", "口", "kh00000001", "pyzz"}
	if !slices.Equal(got, want) {
		t.Errorf("searchTerms = %q, want %q", got, want)
	}
}

// TestSearchTermsOfLongNotes: past linearTerms the terms are deduplicated by
// a set, with the same result and order as below it.
func TestSearchTermsOfLongNotes(t *testing.T) {
	notes := ""
	for i := range 300 {
		notes += string(rune('一'+i%120)) + " "
	}
	got := searchTerms(&Customer{Name: "一二", Notes: notes}, "")
	if len(got) != 122 { // 一, 一二, 二 (U+4E8C) and the 119 other characters of the notes (U+4E01…U+4E77)
		t.Fatalf("%d terms, want 122: %q", len(got), got)
	}
	if got[0] != "一" || got[1] != "一二" || got[2] != "二" || got[3] != "丁" || got[121] != string(rune('一'+119)) {
		t.Errorf("terms out of order: %q", got[:5])
	}
	seen := map[string]bool{}
	for _, term := range got {
		if seen[term] {
			t.Fatalf("term %q twice", term)
		}
		seen[term] = true
	}
}
