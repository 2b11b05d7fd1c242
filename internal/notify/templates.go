package notify

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// Template kinds.
const (
	KindSLAWarning    = "sla.warning"
	KindSLAEscalation = "sla.escalation"
	KindRatingSurvey  = "rating.survey"
	KindDeviceOffline = "rating.device_offline"
)

// Kinds lists the event kinds (robots and webhooks subscribe to them).
var Kinds = []string{KindSLAWarning, KindSLAEscalation, KindRatingSurvey, KindDeviceOffline}

// Variables are the names a template may use as {{name}}, with their meaning.
var Variables = []Variable{
	{"ticket_number", "工单号"},
	{"ticket_title", "工单标题"},
	{"customer", "客户"},
	{"device", "设备（编号 品牌 型号）"},
	{"org", "报修机构"},
	{"station", "服务站点"},
	{"assignee", "处理人"},
	{"target", "时限类型（首次响应 / 到场 / 解决）"},
	{"deadline", "截止时间（北京时间）"},
	{"remaining_hours", "距截止的小时数（预警）"},
	{"overdue_hours", "已超时的小时数（督办）"},
	{"hours", "预警时为距截止小时数，督办时为已超时小时数"},
	{"level", "督办级别"},
	{"survey_url", "满意度评价链接（工单解决后）"},
	{"counter", "窗口"},
	{"last_seen", "评价器最后在线时间"},
}

// Variable is one template variable.
type Variable struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// Template is the subject and body of one kind of notification. Body text
// goes to e-mail, SMS (through the provider's template, see docs), robots and
// the bell; the subject is the e-mail subject and the bell's title.
type Template struct {
	Kind      string     `json:"kind"`
	Name      string     `json:"name"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Custom    bool       `json:"custom"` // edited by an administrator (false: the built-in text)
	UpdatedAt *time.Time `json:"updated_at"`
}

// defaultTemplates are the built-in texts (the seed's 短信督办).
var defaultTemplates = map[string]Template{
	KindSLAWarning: {Kind: KindSLAWarning, Name: "即将超时预警",
		Subject: "【即将超时】工单 {{ticket_number}} {{target}}还剩 {{remaining_hours}} 小时",
		Body:    "工单 {{ticket_number}}「{{ticket_title}}」的{{target}}时限将于 {{deadline}} 到期，{{remaining_hours}} 小时后即将超时。客户：{{customer}}；设备：{{device}}。请尽快处理。"},
	KindSLAEscalation: {Kind: KindSLAEscalation, Name: "超时督办",
		Subject: "【超时督办·{{level}}级】工单 {{ticket_number}} {{target}}已超时 {{overdue_hours}} 小时",
		Body:    "工单 {{ticket_number}}「{{ticket_title}}」的{{target}}时限已于 {{deadline}} 到期，超时 {{overdue_hours}} 小时未完成。客户：{{customer}}；设备：{{device}}；处理人：{{assignee}}（{{station}}）。请督办。"},
}

func init() {
	defaultTemplates[KindRatingSurvey] = Template{Kind: KindRatingSurvey, Name: "满意度评价邀请",
		Subject: "【满意度评价】工单 {{ticket_number}} 已解决，请评价服务",
		Body:    "您好，工单 {{ticket_number}}「{{ticket_title}}」已由 {{station}} {{assignee}} 处理完毕。请点击链接对本次服务进行评价：{{survey_url}}（7 天内有效，仅可评价一次）。"}
	defaultTemplates[KindDeviceOffline] = Template{Kind: KindDeviceOffline, Name: "评价器离线",
		Subject: "【评价器离线】{{org}} {{counter}}",
		Body:    "{{org}} {{counter}} 的评价器自 {{last_seen}} 起未再上线，请检查设备电源与网络。"}
}

var varPattern = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// Render replaces every {{name}} with its value (an unknown name with "").
func Render(tpl string, vars map[string]string) string {
	return varPattern.ReplaceAllStringFunc(tpl, func(m string) string {
		return vars[varPattern.FindStringSubmatch(m)[1]]
	})
}

func knownVar(name string) bool {
	return slices.ContainsFunc(Variables, func(v Variable) bool { return v.Name == name })
}

type templateRow struct {
	Kind      string    `db:"kind"`
	Subject   string    `db:"subject"`
	Body      string    `db:"body"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Template returns the template of a kind: the administrator's text, else the built-in one.
func (s *Service) Template(ctx context.Context, kind string) (Template, error) {
	def, ok := defaultTemplates[kind]
	if !ok {
		return Template{}, apperr.NotFoundf("通知模板", "template")
	}
	var r templateRow
	err := s.db.Get(ctx, &r, "SELECT kind, subject, body, updated_at FROM notification_templates WHERE kind = ?", kind)
	if store.IsNoRows(err) {
		return def, nil
	}
	if err != nil {
		return Template{}, err
	}
	def.Subject, def.Body, def.Custom, def.UpdatedAt = r.Subject, r.Body, true, &r.UpdatedAt
	return def, nil
}

// Templates lists every kind's template.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	out := make([]Template, 0, len(Kinds))
	for _, k := range Kinds {
		t, err := s.Template(ctx, k)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// TemplateInput replaces a template's texts.
type TemplateInput struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

func checkTemplate(field, text string, limit int, v *apperr.Validation) {
	if strings.TrimSpace(text) == "" {
		v.Add(field, "必填", "required")
		return
	}
	if len([]rune(text)) > limit {
		v.Add(field, "内容过长", "too long")
	}
	for _, m := range varPattern.FindAllStringSubmatch(text, -1) {
		if !knownVar(m[1]) {
			v.Add(field, "未知变量 {{"+m[1]+"}}", "unknown variable {{"+m[1]+"}}")
			return
		}
	}
	if strings.Count(text, "{{") != len(varPattern.FindAllString(text, -1)) {
		v.Add(field, "变量格式应为 {{名称}}", "variables are written {{name}}")
	}
}

// SaveTemplate replaces the texts of a kind (audited).
func (s *Service) SaveTemplate(ctx context.Context, kind string, in TemplateInput) (Template, error) {
	before, err := s.Template(ctx, kind)
	if err != nil {
		return Template{}, err
	}
	in.Subject, in.Body = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
	var v apperr.Validation
	checkTemplate("subject", in.Subject, 200, &v)
	checkTemplate("body", in.Body, 2000, &v)
	if err := v.Err(); err != nil {
		return Template{}, err
	}
	var out Template
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		now := store.Now()
		actor := audit.ActorFrom(ctx).UserID
		var by any
		if actor != 0 {
			by = actor
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO notification_templates (kind, subject, body, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (kind) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			kind, in.Subject, in.Body, by, now); err != nil {
			return err
		}
		var err error
		if out, err = s.Template(ctx, kind); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "notification_template", Summary: "修改通知模板 " + out.Name,
			Before: map[string]string{"kind": kind, "subject": before.Subject, "body": before.Body},
			After:  map[string]string{"kind": kind, "subject": out.Subject, "body": out.Body}})
	})
	return out, err
}

// ResetTemplate returns a kind to its built-in texts (audited).
func (s *Service) ResetTemplate(ctx context.Context, kind string) (Template, error) {
	before, err := s.Template(ctx, kind)
	if err != nil {
		return Template{}, err
	}
	var out Template
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, "DELETE FROM notification_templates WHERE kind = ?", kind); err != nil {
			return err
		}
		out = defaultTemplates[kind]
		return s.audit.Record(ctx, audit.Entry{Action: "reset", Entity: "notification_template", Summary: "恢复默认通知模板 " + out.Name,
			Before: map[string]string{"kind": kind, "subject": before.Subject, "body": before.Body},
			After:  map[string]string{"kind": kind, "subject": out.Subject, "body": out.Body}})
	})
	return out, err
}

// SampleVars are example values for previews.
var SampleVars = map[string]string{"ticket_number": "GD20261122-000123", "ticket_title": "ATM 吞卡", "customer": "张三", "device": "ATM-0001 广电运通 GRG H68N",
	"org": "中关村网点", "station": "北京第一服务站", "assignee": "高峰", "target": "解决", "deadline": "2026-11-22 17:30", "remaining_hours": "2.0",
	"overdue_hours": "1.5", "hours": "1.5", "level": "2",
	"survey_url": "http://127.0.0.1:8080/r/Qm9vLXN1cnZleS10b2tlbg", "counter": "1号窗口", "last_seen": "2026-11-22 09:41"}

// Rendered is a template filled with values.
type Rendered struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Preview checks texts for a kind (as SaveTemplate would) and fills them with
// the sample values; empty texts preview the current template.
func (s *Service) Preview(ctx context.Context, kind string, in TemplateInput) (Rendered, error) {
	cur, err := s.Template(ctx, kind)
	if err != nil {
		return Rendered{}, err
	}
	if strings.TrimSpace(in.Subject) == "" {
		in.Subject = cur.Subject
	}
	if strings.TrimSpace(in.Body) == "" {
		in.Body = cur.Body
	}
	var v apperr.Validation
	checkTemplate("subject", in.Subject, 200, &v)
	checkTemplate("body", in.Body, 2000, &v)
	if err := v.Err(); err != nil {
		return Rendered{}, err
	}
	return Rendered{Subject: Render(in.Subject, SampleVars), Body: Render(in.Body, SampleVars)}, nil
}
