package main

import (
	"strings"
	"unicode"

	"lingting/internal/initials"
)

// This file restates the search-document rule of internal/customer/search.go
// (customer.searchTerms, unexported) for the bulk loader, which writes the
// customer_search table without going through the service. It is a copy of a
// rule, so it can drift: TestBulkMatchesService loads the same customers
// through customer.Service.Seed and through BulkLoad and compares the stored
// documents and the API's search answers for 200 random customers.
//
// The rule: the terms of name, address, notes (first 2,000 runes), e-mail and
// code — each CJK character, each pair of adjacent CJK characters, each
// lower-cased ASCII letter/digit word — then "py" + every pinyin-initials
// variant of the name; duplicates dropped, first occurrence kept.

const maxNotesRunes = 2000

// ini is initialsOf(name), computed once by the caller for the initials column.
func docTerms(name, address, notes, email, code, ini string) []string {
	seen := make(map[string]bool, 64)
	terms := make([]string, 0, 64)
	add := func(t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	if n := []rune(notes); len(n) > maxNotesRunes {
		notes = string(n[:maxNotesRunes])
	}
	for _, text := range []string{name, address, notes, email, code} {
		splitTerms(text, add)
	}
	for _, v := range strings.Fields(ini) {
		add("py" + v)
	}
	return terms
}

// splitTerms emits CJK unigrams and bigrams and lower-cased ASCII words of text.
func splitTerms(text string, emit func(string)) {
	var run []rune
	var word strings.Builder
	flushRun := func() {
		for i := range run {
			emit(string(run[i]))
			if i+1 < len(run) {
				emit(string(run[i : i+2]))
			}
		}
		run = run[:0]
	}
	flushWord := func() {
		if word.Len() > 0 {
			emit(word.String())
			word.Reset()
		}
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			run = append(run, r)
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			flushRun()
			word.WriteRune(unicode.ToLower(r))
		default:
			flushRun()
			flushWord()
		}
	}
	flushRun()
	flushWord()
}

// initialsOf is the customers.initials column (and the source of the py terms).
func initialsOf(name string) string { return initials.Of(name) }
