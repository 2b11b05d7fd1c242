package analytics

import (
	"context"
	"strings"
)

// deviceAcc is one group of a device-centric monthly report (运行情况,
// 维护情况): the devices running in it, their device-seconds in the period and
// the sums of their fault tickets.
type deviceAcc struct {
	group      *Group
	sums       ticketSums
	devices    int64
	deviceSecs int64
}

// deviceMonths groups the devices and their fault tickets (repair tickets on
// devices, or the ticket_type asked for) by month and type/brand/model/region.
// A device counts in a month when it was installed by the month's end (or its
// install date is unknown) and is not retired; its hours in the month are the
// days of the month inside the period × 24. Without a month grouping a group's
// devices are those running in the period's last month. The groups come back
// labelled and sorted, without those that have neither devices nor tickets.
func (s *Service) deviceMonths(ctx context.Context, f Filter) (groups []*deviceAcc, totals *deviceAcc, dims []string, period Period, err error) {
	if err = s.prepare(ctx, &f, operationDims, "month,type,brand,model"); err != nil {
		return
	}
	if err = s.catchUp(ctx); err != nil {
		return
	}
	n := len(f.dims)
	sums, err := rollSelect[ticketSums](ctx, s, &f, rollFaults(&f))
	if err != nil {
		return
	}
	mi := -1 // index of the month dimension
	var devDims []string
	for i, d := range f.dims {
		if d == "month" {
			mi = i
		} else {
			devDims = append(devDims, d)
		}
	}
	var counts []deviceCount
	if err = s.deviceQuery(ctx, &counts, "device-counts", devDims, &f, false); err != nil {
		return
	}
	// A device row's raw keys, with the month slot (if any) left empty.
	devRaw := func(c deviceCount) []string {
		r := c.raw(len(devDims))
		if mi < 0 {
			return r
		}
		full := make([]string, 0, n)
		full = append(full, r[:mi]...)
		full = append(full, "0")
		return append(full, r[mi:]...)
	}
	var raws [][]string
	for _, r := range sums {
		raws = append(raws, r.raw(n))
	}
	for _, c := range counts {
		raws = append(raws, devRaw(c))
	}
	g, err := s.newGrouper(ctx, &f, raws)
	if err != nil {
		return
	}
	ms, daysIn := months(f.From, f.To)
	lastMonth := ms[len(ms)-1]
	// devKey drops the month from group keys: devices are counted per device group.
	devKey := func(keys []string) string {
		if mi < 0 {
			return strings.Join(keys, "|")
		}
		return strings.Join(append(append([]string{}, keys[:mi]...), keys[mi+1:]...), "|")
	}
	items := map[string]*deviceAcc{}
	get := func(keys []string) *deviceAcc {
		gr := newGroup(f.dims, keys)
		a := items[gr.Key]
		if a == nil {
			a = &deviceAcc{group: gr}
			items[gr.Key] = a
		}
		return a
	}
	// Devices per device group and month of installation.
	installed := map[string]map[int]int64{}
	devGroups := map[string][]string{}
	for _, c := range counts {
		keys := g.key(devRaw(c))
		dk := devKey(keys)
		if installed[dk] == nil {
			installed[dk] = map[int]int64{}
			devGroups[dk] = keys
		}
		installed[dk][c.Inst] += c.N
	}
	running := func(dk string, month int) int64 {
		var total int64
		for inst, n := range installed[dk] {
			if inst <= month {
				total += n
			}
		}
		return total
	}
	totals = &deviceAcc{}
	for dk, keys := range devGroups {
		for _, m := range ms {
			k := append([]string{}, keys...)
			if mi >= 0 {
				k[mi] = formatMonth(m)
			}
			a := get(k)
			devs := running(dk, m)
			if mi >= 0 || m == lastMonth {
				a.devices += devs
			}
			a.deviceSecs += devs * int64(daysIn[m]) * 86400
			totals.deviceSecs += devs * int64(daysIn[m]) * 86400
			if m == lastMonth {
				totals.devices += devs
			}
		}
	}
	for i := range sums {
		a := get(g.key(sums[i].raw(n)))
		a.sums.add(&sums[i])
		totals.sums.add(&sums[i])
	}
	for _, a := range items {
		if a.devices == 0 && a.sums.Tickets == 0 {
			continue
		}
		groups = append(groups, a)
	}
	if err = labelItems(ctx, g, groups, func(a **deviceAcc) *Group { return (*a).group }); err != nil {
		return
	}
	sortGroups(f.dims, groups, func(a *deviceAcc) *Group { return a.group })
	return groups, totals, f.dims, f.period(), nil
}
