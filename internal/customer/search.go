package customer

import (
	"slices"
	"strings"
	"unicode"
)

// Chinese search without word segmentation: a document holds every CJK character
// and every pair of adjacent CJK characters of the name, address and notes, the
// lower-cased ASCII words, and the pinyin-initial variants of the name. A query
// of two or more CJK characters matches documents holding all of its pairs, so a
// substring of any length is found. Both engines store the terms verbatim: FTS5
// with the unicode61 tokenizer on SQLite, array_to_tsvector on PostgreSQL.

const maxNotesRunes = 2000

// linearTerms is how many distinct terms searchTerms dedupes by comparison
// before it switches to a set.
const linearTerms = 48

// searchTerms builds the document terms of a customer; ini is
// initials.Of(c.Name), which its callers also store (customers.initials,
// customer_initials) and compute once.
func searchTerms(c *Customer, ini string) []string {
	// Distinct terms in first-seen order. A document has a few dozen terms:
	// they are compared with the ones kept so far until there are
	// linearTerms of them, and only longer documents (notes) build a set.
	var seen map[string]bool
	var terms []string
	add := func(t string) {
		if t == "" {
			return
		}
		if seen == nil {
			if slices.Contains(terms, t) {
				return
			}
			if len(terms) == linearTerms {
				seen = make(map[string]bool, 4*linearTerms)
				for _, k := range terms {
					seen[k] = true
				}
			}
		} else if seen[t] {
			return
		}
		if seen != nil {
			seen[t] = true
		}
		terms = append(terms, t)
	}
	notes := []rune(c.Notes)
	if len(notes) > maxNotesRunes {
		notes = notes[:maxNotesRunes]
	}
	for _, text := range []string{c.Name, c.Address, string(notes), c.Email, c.Code} {
		for _, t := range textTerms(text, true) {
			add(t)
		}
	}
	for _, v := range strings.Fields(ini) {
		add("py" + v) // pinyin terms carry a prefix so "wf" never meets an ASCII word
	}
	return terms
}

// initialsCols are the columns of customer_initials (migration 00027): one
// row per pinyin-initials variant of a live customer's name.
var initialsCols = []string{"initials", "customer_id"}

// initialsRows appends the customer_initials rows of a customer to rows
// (flattened, as insertMany takes them); ini is initials.Of(name), whose
// variants are distinct, so the rows never collide.
func initialsRows(rows []any, id int64, ini string) []any {
	for _, v := range strings.Fields(ini) {
		rows = append(rows, v, id)
	}
	return rows
}

// textTerms splits text into CJK unigrams (when withUnigrams) and bigrams, and
// lower-cased ASCII/digit words. Terms are substrings of text (an import
// computes them for 10^5 customers: no allocation per character).
func textTerms(text string, withUnigrams bool) []string {
	var out []string
	var run []int // byte offsets of the run's CJK characters; the run ends at i
	word := -1    // byte offset of the ASCII word being read, or -1
	flushRun := func(end int) {
		for k, at := range run {
			next := end
			if k+1 < len(run) {
				next = run[k+1]
			}
			if withUnigrams || len(run) == 1 {
				out = append(out, text[at:next])
			}
			if k+2 < len(run) {
				out = append(out, text[at:run[k+2]])
			} else if k+1 < len(run) {
				out = append(out, text[at:end])
			}
		}
		run = run[:0]
	}
	flushWord := func(end int) {
		if word >= 0 {
			out = append(out, strings.ToLower(text[word:end]))
			word = -1
		}
	}
	for i, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord(i)
			run = append(run, i)
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			flushRun(i)
			if word < 0 {
				word = i
			}
		default:
			flushRun(i)
			flushWord(i)
		}
	}
	flushRun(len(text))
	flushWord(len(text))
	return out
}

// query is a parsed free-text search.
type query struct {
	terms  []string // every term must be present
	prefix string   // ASCII input: also try pinyin initials / word prefixes
	digits string   // digit input of 4+: also phone suffix, ID number
}

func parseQuery(q string) query {
	q = strings.TrimSpace(q)
	var out query
	if q == "" {
		return out
	}
	allDigits := true
	allASCII := true
	for _, r := range q {
		if !unicode.IsDigit(r) {
			allDigits = false
		}
		if r >= unicode.MaxASCII {
			allASCII = false
		}
	}
	if allDigits && len(q) >= 4 {
		out.digits = q
	}
	if allASCII {
		out.prefix = strings.ToLower(strings.Join(strings.Fields(q), ""))
	}
	out.terms = textTerms(q, false)
	return out
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
