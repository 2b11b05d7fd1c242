package rating

import (
	"context"
	"sort"
	"strconv"

	"lingting/internal/apperr"
)

// RankItem is one ranked staff member, counter or org.
type RankItem struct {
	StaffID     *int64  `json:"staff_id,omitempty"`
	CounterID   *int64  `json:"counter_id,omitempty"`
	OrgID       *int64  `json:"org_id,omitempty"`
	Name        string  `json:"name"`
	N           int64   `json:"n"`
	Satisfied   int64   `json:"satisfied"`
	Rate        float64 `json:"rate"`
	WilsonLower float64 `json:"wilson_lower"`
	WilsonUpper float64 `json:"wilson_upper"`
	Rank        *int    `json:"rank"`
}

// Ranking answers GET /analytics/rankings.
type Ranking struct {
	By    string     `json:"by"`
	From  string     `json:"from"`
	To    string     `json:"to"`
	MinN  int        `json:"min_n"`
	Items []RankItem `json:"items"`
	Total int        `json:"total"`
}

// Rankings orders staff, counters or the children of an org by the 95 %
// Wilson lower bound of their satisfaction rate, so that 2 of 2 satisfied
// does not outrank 480 of 500. Groups with fewer than MinN ratings are listed
// with rank null.
func (s *Service) Rankings(ctx context.Context, by string, f ReportFilter) (*Ranking, error) {
	switch by {
	case "staff", "counter", "org":
	default:
		return nil, apperr.Field("by", "排名对象只能是 staff、counter 或 org", "by must be staff, counter or org")
	}
	f.GroupBy, f.Compare = by, ""
	f.skipSessions = true // a ranking shows no session figures
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.MinN == 0 {
		set, err := s.SettingsAt(ctx, f.OrgID)
		if err != nil {
			return nil, err
		}
		f.MinN = set.MinRankedN
	}
	p, err := s.period(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &Ranking{By: by, From: FormatDay(f.From), To: FormatDay(f.To), MinN: f.MinN, Items: []RankItem{}}
	for _, it := range p.Items {
		id, _ := strconv.ParseInt(it.Key, 10, 64)
		if id == 0 || it.N == 0 {
			continue // ratings not tied to a staff member or counter
		}
		ri := RankItem{Name: it.Label, N: it.N, Satisfied: it.Satisfied, Rate: it.Rate, WilsonLower: it.WilsonLower, WilsonUpper: it.WilsonUpper}
		switch by {
		case "staff":
			ri.StaffID = &id
		case "counter":
			ri.CounterID = &id
		default:
			ri.OrgID = &id
		}
		out.Items = append(out.Items, ri)
	}
	sort.SliceStable(out.Items, func(i, j int) bool {
		a, b := out.Items[i], out.Items[j]
		if a.WilsonLower != b.WilsonLower {
			return a.WilsonLower > b.WilsonLower
		}
		return a.N > b.N
	})
	rank := 0
	for i := range out.Items {
		if out.Items[i].N >= int64(f.MinN) {
			rank++
			r := rank
			out.Items[i].Rank = &r
		}
	}
	out.Total = len(out.Items)
	return out, nil
}
