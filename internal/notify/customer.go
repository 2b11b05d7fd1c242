package notify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/customer"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Notifications to customers (external recipients): a ticket's customer is
// told by SMS and e-mail (when those channels are configured and the
// customer has a phone or an address) that the ticket was received (已受理),
// resolved (已解决), and gets the one-time survey link. Each kind is switched
// on or off globally and per org (the nearest org up the ticket's org that
// has a setting wins, then the global one, then the defaults: the survey on,
// the others off). Customers have no preferences or quiet hours here: the
// messages answer their own request. The de-duplication key names the
// customer ("c<id>"), so each event reaches each customer once per channel.

// Customer notification kinds (templates editable like the others).
const (
	KindCustomerReceived = "customer.ticket_received"
	KindCustomerResolved = "customer.ticket_resolved"
	KindCustomerSurvey   = "customer.survey"
)

// CustomerKinds are the kinds sent to customers.
var CustomerKinds = []string{KindCustomerReceived, KindCustomerResolved, KindCustomerSurvey}

func init() {
	Kinds = append(Kinds, CustomerKinds...)
	defaultTemplates[KindCustomerReceived] = Template{Kind: KindCustomerReceived, Name: "客户通知：已受理",
		Subject: "【已受理】您的工单 {{ticket_number}}",
		Body:    "尊敬的{{customer}}，您反映的「{{ticket_title}}」已受理，工单号 {{ticket_number}}。我们将尽快为您处理。"}
	defaultTemplates[KindCustomerResolved] = Template{Kind: KindCustomerResolved, Name: "客户通知：已解决",
		Subject: "【已解决】您的工单 {{ticket_number}}",
		Body:    "尊敬的{{customer}}，您的工单 {{ticket_number}}「{{ticket_title}}」已处理完毕。如仍有问题，请联系我们。"}
	defaultTemplates[KindCustomerSurvey] = Template{Kind: KindCustomerSurvey, Name: "客户通知：满意度评价邀请",
		Subject: "【满意度评价】工单 {{ticket_number}} 已解决，请评价我们的服务",
		Body:    "尊敬的{{customer}}，您的工单 {{ticket_number}}「{{ticket_title}}」已处理完毕。请点击链接评价本次服务：{{survey_url}}（7 天内有效，仅可评价一次）。"}
}

// isCustomerKind reports whether kind is sent to customers: robots and
// webhooks get such events only when they subscribe to the kind by name.
func isCustomerKind(kind string) bool { return slices.Contains(CustomerKinds, kind) }

// External is a recipient outside the staff (a ticket's customer), reached by
// e-mail and SMS only.
type External struct {
	// ID names the recipient in de-duplication keys ("c12": customer 12).
	ID    string
	Name  string
	Email string
	Phone string
}

// CustomerSettings switch the customer notifications of an org (OrgID 0:
// the global setting).
type CustomerSettings struct {
	OrgID    int64  `db:"org_id" json:"org_id"`
	OrgName  string `db:"org_name" json:"org_name"`
	Received bool   `db:"ticket_received" json:"ticket_received"`
	Resolved bool   `db:"ticket_resolved" json:"ticket_resolved"`
	Survey   bool   `db:"survey" json:"survey"`
	// Default is true for the built-in defaults (no setting stored).
	Default bool `db:"-" json:"default"`
}

// DefaultCustomerSettings apply where nothing is stored: the survey link goes
// to customers, the received / resolved notices do not.
func DefaultCustomerSettings() CustomerSettings {
	return CustomerSettings{Survey: true, Default: true}
}

// On reports whether the kind is switched on.
func (c CustomerSettings) On(kind string) bool {
	switch kind {
	case KindCustomerReceived:
		return c.Received
	case KindCustomerResolved:
		return c.Resolved
	case KindCustomerSurvey:
		return c.Survey
	}
	return false
}

const customerSettingsSelect = `SELECT s.org_id, COALESCE(o.name, '') AS org_name, s.ticket_received, s.ticket_resolved, s.survey
	FROM notification_customer_settings s LEFT JOIN orgs o ON o.id = s.org_id`

// CustomerSettingsList lists the stored settings: the global one first (the
// defaults when none is stored), then those of the orgs in the caller's scope
// by name.
func (s *Service) CustomerSettingsList(ctx context.Context) ([]CustomerSettings, error) {
	var rows []CustomerSettings
	where, args := scope.From(ctx).Where(scope.Columns{Org: "s.org_id"})
	if err := s.db.Select(ctx, &rows, customerSettingsSelect+" WHERE s.org_id = 0 OR "+where+" ORDER BY s.org_id <> 0, o.name, s.org_id", args...); err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].OrgID != 0 {
		rows = append([]CustomerSettings{DefaultCustomerSettings()}, rows...)
	}
	return rows, nil
}

// CustomerSettingsFor answers the settings that apply to tickets of orgID.
func (s *Service) CustomerSettingsFor(ctx context.Context, orgID int64) (CustomerSettings, error) {
	var rows []CustomerSettings
	err := s.db.Select(ctx, &rows, customerSettingsSelect+`
		WHERE s.org_id = 0 OR (SELECT path FROM orgs WHERE id = ?) LIKE o.path || '%'
		ORDER BY COALESCE(o.depth, -1) DESC LIMIT 1`, orgID)
	if err != nil || len(rows) == 0 {
		return DefaultCustomerSettings(), err
	}
	return rows[0], nil
}

// SaveCustomerSettings stores the settings of an org (0: global), audited.
func (s *Service) SaveCustomerSettings(ctx context.Context, in CustomerSettings) (CustomerSettings, error) {
	var out CustomerSettings
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.mayConfigure(ctx, in.OrgID); err != nil {
			return err
		}
		before, err := s.customerSettingsOf(ctx, in.OrgID)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO notification_customer_settings (org_id, ticket_received, ticket_resolved, survey, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET ticket_received = excluded.ticket_received, ticket_resolved = excluded.ticket_resolved, survey = excluded.survey,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			in.OrgID, in.Received, in.Resolved, in.Survey, actor(ctx), store.Now()); err != nil {
			return err
		}
		saved, err := s.customerSettingsOf(ctx, in.OrgID)
		if err != nil {
			return err
		}
		out = *saved
		e := audit.Entry{Action: "update", Entity: "notification_customer_settings", EntityID: in.OrgID, Summary: "修改客户通知设置 " + settingsName(out), After: out}
		if before != nil {
			e.Before = before
		}
		return s.audit.Record(ctx, e)
	})
	return out, err
}

// DeleteCustomerSettings drops an org's settings (it follows the org above
// again; the global one goes back to the defaults), audited.
func (s *Service) DeleteCustomerSettings(ctx context.Context, orgID int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.mayConfigure(ctx, orgID); err != nil {
			return err
		}
		before, err := s.customerSettingsOf(ctx, orgID)
		if err != nil {
			return err
		}
		if before == nil {
			return apperr.NotFoundf("客户通知设置", "customer notification settings")
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM notification_customer_settings WHERE org_id = ?", orgID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "notification_customer_settings", EntityID: orgID, Summary: "删除客户通知设置 " + settingsName(*before), Before: before})
	})
}

// mayConfigure checks that the caller's data scope covers the org whose
// settings change: the global setting (0) needs the whole organisation; an
// org outside the scope answers as unknown, like one that does not exist.
func (s *Service) mayConfigure(ctx context.Context, orgID int64) error {
	sc := scope.From(ctx)
	if orgID == 0 {
		if !sc.All {
			return apperr.New(apperr.Forbidden, "只有数据范围为全部机构的用户可以修改全局客户通知设置", "only a user whose data scope is the whole organisation may change the global customer notification settings")
		}
		return nil
	}
	var path string
	err := s.db.Get(ctx, &path, "SELECT path FROM orgs WHERE id = ?", orgID)
	if store.IsNoRows(err) || (err == nil && !sc.CoversPath(orgID, path)) {
		return apperr.NotFoundf("机构", "org")
	}
	return err
}

func (s *Service) customerSettingsOf(ctx context.Context, orgID int64) (*CustomerSettings, error) {
	var c CustomerSettings
	err := s.db.Get(ctx, &c, customerSettingsSelect+" WHERE s.org_id = ?", orgID)
	if store.IsNoRows(err) {
		return nil, nil
	}
	return &c, err
}

func settingsName(c CustomerSettings) string {
	if c.OrgID == 0 {
		return "（全局）"
	}
	return c.OrgName
}

func actor(ctx context.Context) any {
	if id := audit.ActorFrom(ctx).UserID; id != 0 {
		return id
	}
	return nil
}

// CustomerNotice is one message to a ticket's customer.
type CustomerNotice struct {
	Kind       string // KindCustomerReceived, KindCustomerResolved, KindCustomerSurvey
	TicketID   int64
	OrgID      int64 // the ticket's org: whose settings apply
	CustomerID int64
	Vars       map[string]string
}

// NotifyCustomer enqueues a notice to the ticket's customer in the caller's
// transaction when its kind is switched on for the org and the customer can
// be reached on a configured channel; it answers the deliveries written.
func (s *Service) NotifyCustomer(ctx context.Context, n CustomerNotice) (int, error) {
	if n.CustomerID == 0 || !isCustomerKind(n.Kind) || (!s.Enabled(ChannelEmail) && !s.Enabled(ChannelSMS)) {
		return 0, nil
	}
	set, err := s.CustomerSettingsFor(ctx, n.OrgID)
	if err != nil || !set.On(n.Kind) {
		return 0, err
	}
	var c struct {
		Name  string `db:"name"`
		Phone string `db:"phone"`
		Email string `db:"email"`
	}
	err = s.db.Get(ctx, &c, "SELECT name, phone, email FROM customers WHERE id = ?", n.CustomerID)
	if store.IsNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(c.Phone) == "" && strings.TrimSpace(c.Email) == "" {
		return 0, nil
	}
	vars := map[string]string{}
	for k, v := range n.Vars {
		vars[k] = v
	}
	if vars["customer"] == "" {
		vars["customer"] = c.Name
	}
	return s.Enqueue(ctx, Event{Key: fmt.Sprintf("%s:%d", n.Kind, n.TicketID), Kind: n.Kind, TicketID: n.TicketID, Vars: vars,
		External: []External{{ID: "c" + strconv.FormatInt(n.CustomerID, 10), Name: c.Name, Email: strings.TrimSpace(c.Email), Phone: strings.TrimSpace(c.Phone)}}})
}

// externalDeliveries are the e-mail and SMS deliveries of an event to its
// external recipients, on the configured channels.
func (s *Service) externalDeliveries(ev *Event) []delivery {
	var out []delivery
	for _, x := range ev.External {
		who := "x" + x.ID
		if s.Enabled(ChannelEmail) && x.Email != "" {
			out = append(out, delivery{Key: dedupKey(ev.Key, ChannelEmail, who), Channel: ChannelEmail, Recipient: x.Email})
		}
		if s.Enabled(ChannelSMS) && x.Phone != "" {
			out = append(out, delivery{Key: dedupKey(ev.Key, ChannelSMS, who), Channel: ChannelSMS, Recipient: x.Phone})
		}
	}
	return out
}

// MarkExternal flags the deliveries to external recipients (customers) and,
// with mask (a caller without customer.pii.reveal), hides their phone
// numbers: 138****5678.
func MarkExternal(ds []Delivery, mask bool) {
	for i := range ds {
		d := &ds[i]
		d.External = d.UserID == nil && d.EndpointID == nil
		if mask && d.External && d.Channel == ChannelSMS {
			d.Recipient = customer.MaskPhone(d.Recipient)
		}
	}
}
