package demo

import (
	"context"
	"fmt"
	"time"

	"lingting/internal/asset"
	"lingting/internal/contract"
)

// loadContracts signs the vendor's maintenance contracts with the bank: one
// per branch for the current year, Shanghai's ending soon so the expiry
// reminder has something to show, each covering the branch's devices.
func loadContracts(ctx context.Context, svc Services, ids map[string]int64, now time.Time) error {
	year := now.Year()
	for _, k := range []struct {
		code, name, branch string
		ends               string
	}{
		{fmt.Sprintf("HT-%d-BJ", year), "北京分行自助设备维保合同", "HXB-BJ", fmt.Sprintf("%d-12-31", year)},
		{fmt.Sprintf("HT-%d-SH", year), "上海分行自助设备维保合同", "HXB-SH", now.AddDate(0, 0, 20).Format(time.DateOnly)},
	} {
		c, err := svc.Contracts.Create(ctx, contract.Input{Code: k.code, Name: k.name, ClientOrgID: ids[k.branch], VendorOrgID: ids["ADWB"],
			StartsOn: fmt.Sprintf("%d-01-01", year), EndsOn: k.ends, Commitments: contract.Commitments{ResponseMinutes: 30, ArrivalMinutes: 240, ResolutionMinutes: 480, Hours: "7×24"}})
		if err != nil {
			return fmt.Errorf("demo: contract %s: %w", k.code, err)
		}
		devices, _, err := svc.Assets.List(ctx, asset.Filter{OrgID: ids[k.branch], VendorOrgID: ids["ADWB"], Limit: 5000})
		if err != nil {
			return err
		}
		covered := make([]int64, len(devices))
		for i, d := range devices {
			covered[i] = d.ID
		}
		if _, err := svc.Contracts.Cover(ctx, c.ID, covered); err != nil {
			return fmt.Errorf("demo: contract %s devices: %w", k.code, err)
		}
	}
	return nil
}
