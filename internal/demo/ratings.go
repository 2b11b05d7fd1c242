package demo

import (
	"context"
	"fmt"

	"lingting/internal/rating"
)

var businessTypes = []rating.BusinessTypeInput{
	{Code: "personal", Name: "个人业务", Sort: 1},
	{Code: "corporate", Name: "对公业务", Sort: 2},
	{Code: "wealth", Name: "理财咨询", Sort: 3},
}

// CounterCode names the demo counter n (1-based) of an outlet: HXB-BJ-HD-01-W1.
func CounterCode(outletCode string, n int) string { return fmt.Sprintf("%s-W%d", outletCode, n) }

// loadCounters gives every outlet three counters (窗口), one per business
// type, and signs each outlet's teller in at the first.
func loadCounters(ctx context.Context, svc Services, ids map[string]int64) error {
	var btIDs []int64
	for _, bt := range businessTypes {
		created, err := svc.Ratings.CreateBusinessType(ctx, bt)
		if err != nil {
			return fmt.Errorf("demo: business type %s: %w", bt.Code, err)
		}
		btIDs = append(btIDs, created.ID)
	}
	for _, branch := range bank.children {
		for _, sub := range branch.children {
			for _, o := range sub.children {
				var first int64
				for n := 1; n <= 3; n++ {
					bt := btIDs[n-1]
					k, err := svc.Ratings.CreateCounter(ctx, rating.CounterInput{OrgID: ids[o.code], Code: CounterCode(o.code, n), Name: fmt.Sprintf("%d号窗口", n), BusinessTypeID: &bt})
					if err != nil {
						return fmt.Errorf("demo: counter at %s: %w", o.code, err)
					}
					if n == 1 {
						first = k.ID
					}
				}
				teller, _, err := svc.Orgs.UserByLogin(ctx, loginBase(o.code)+".teller")
				if err != nil {
					return err
				}
				if _, err := svc.Ratings.SignIn(ctx, first, teller.ID); err != nil {
					return fmt.Errorf("demo: sign in at %s: %w", o.code, err)
				}
			}
		}
	}
	return nil
}
