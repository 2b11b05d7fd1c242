package main

import (
	"context"
	"testing"
	"time"
)

// TestRatingScenarios runs both ratings scenarios on tiny sizes: the bank is
// extended, history bulk-loaded, reports answered, and every ingest request
// (session_start, session_end, key) succeeds with its rating in the roll-up.
func TestRatingScenarios(t *testing.T) {
	saved := ratingOpt
	defer func() { ratingOpt = saved }()
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			opt := tinyOptions(engine)
			ratingOpt = ratingOptions{Ratings: 3000, History: 600, Outlets: 4, Concurrency: 3, Devices: 6, IngestRequests: 90,
				IngestDuration: 20 * time.Second, Chunk: 700}
			ctx, cancel := context.WithTimeout(context.Background(), opt.Timeout)
			defer cancel()
			e, err := NewEnv(ctx, opt, "")
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			w, err := buildWorld(ctx, e, ratingOpt.Outlets)
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Outlets) != 16 || w.Staff != 12*2+4*4 {
				t.Fatalf("bank: %d outlets, %d staff; want 16 and 40", len(w.Outlets), w.Staff)
			}
			st, err := ensureRatings(ctx, e, w, ratingOpt.Ratings, opt.Seed)
			if err != nil {
				t.Fatal(err)
			}
			if st.Ratings < 2500 || st.Ratings > 3500 || st.Chunks < 3 {
				t.Fatalf("loaded %+v; want about 3000 ratings in several chunks", st)
			}
			ls, err := RunRatingReports(ctx, e, w, opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) != 5 || ls[0].AvgTotal != 12 || ls[1].AvgTotal < 10 {
				t.Fatalf("reports: %+v; want 12 months and the branch's staff", ls)
			}
			// A second world build finds the outlets instead of adding more.
			if w2, err := buildWorld(ctx, e, ratingOpt.Outlets); err != nil || len(w2.Outlets) != 16 {
				t.Fatalf("rebuilt world: %v", err)
			}
			res, err := RunRatingIngest(ctx, e, w, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Ingest.Errors != 0 || res.Hello.Errors != 0 || res.Ingest.Requests != 90 || res.Ingest.Keys < 20 || res.Ingest.Keys > 40 {
				t.Fatalf("ingest: %d requests, %d keys, errors %d/%d (%s)", res.Ingest.Requests, res.Ingest.Keys, res.Hello.Errors,
					res.Ingest.Errors, res.Ingest.FirstErr)
			}
		})
	}
}
