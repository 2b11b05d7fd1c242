package rating

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// Settings are the rating rules in force at an org (inherited by its subtree).
type Settings struct {
	OrgID             *int64   `json:"org_id"`
	Inherited         bool     `json:"inherited"` // from an ancestor or the defaults
	Scale             int      `json:"scale"`
	SatisfiedMin      int      `json:"satisfied_min"`
	FollowupMax       int      `json:"followup_max"`
	TimeoutSeconds    int      `json:"timeout_seconds"`
	QRCooldownMinutes int      `json:"qr_cooldown_minutes"`
	MinRankedN        int      `json:"min_ranked_n"`
	Reasons           []string `json:"reasons"`
	Welcome           string   `json:"welcome"`
	Levels            []Level  `json:"levels"`
}

// Level labels one point of a scale; N is the best.
type Level struct {
	Level   int    `json:"level"`
	Label   string `json:"label"`
	LabelEN string `json:"label_en"`
}

var scaleLabels = map[int][][2]string{
	3: {{"不满意", "Dissatisfied"}, {"一般", "Neutral"}, {"满意", "Satisfied"}},
	4: {{"不满意", "Dissatisfied"}, {"一般", "Neutral"}, {"满意", "Satisfied"}, {"非常满意", "Very satisfied"}},
	5: {{"很不满意", "Very dissatisfied"}, {"不满意", "Dissatisfied"}, {"一般", "Neutral"}, {"满意", "Satisfied"}, {"很满意", "Very satisfied"}},
}

// Levels lists a scale's levels, best first (the order a kiosk shows them).
func Levels(scale int) []Level {
	labels := scaleLabels[scale]
	out := make([]Level, 0, len(labels))
	for i := len(labels) - 1; i >= 0; i-- {
		out = append(out, Level{Level: i + 1, Label: labels[i][0], LabelEN: labels[i][1]})
	}
	return out
}

// LevelLabel is the Chinese label of a level on a scale.
func LevelLabel(scale, level int) string {
	if l := scaleLabels[scale]; level >= 1 && level <= len(l) {
		return l[level-1][0]
	}
	return ""
}

// DefaultSettings apply where no org up the tree has its own.
func DefaultSettings() Settings {
	return Settings{Inherited: true, Scale: 4, SatisfiedMin: 3, FollowupMax: 2, TimeoutSeconds: 30, QRCooldownMinutes: 30,
		MinRankedN: 30, Reasons: []string{"等待时间长", "服务态度", "业务不熟练", "环境设施", "其他"}, Welcome: "欢迎光临", Levels: Levels(4)}
}

type settingsRow struct {
	OrgID             int64  `db:"org_id"`
	Scale             int    `db:"scale"`
	SatisfiedMin      int    `db:"satisfied_min"`
	FollowupMax       int    `db:"followup_max"`
	TimeoutSeconds    int    `db:"timeout_seconds"`
	QRCooldownMinutes int    `db:"qr_cooldown_minutes"`
	MinRankedN        int    `db:"min_ranked_n"`
	Reasons           string `db:"reasons"`
	Welcome           string `db:"welcome"`
}

// SettingsAt returns the settings in force at org (0 = the defaults): the
// org's own, else the nearest ancestor's, else the defaults.
func (s *Service) SettingsAt(ctx context.Context, orgID int64) (Settings, error) {
	if orgID == 0 {
		return DefaultSettings(), nil
	}
	now := time.Now()
	if set, ok := s.settings.get(orgID, now); ok {
		return set.clone(), nil
	}
	gen := s.settings.generation()
	set, err := s.settingsAt(ctx, orgID)
	if err == nil {
		s.settings.put(orgID, set.clone(), gen, now)
	}
	return set, err
}

// clone copies the slices, so a caller changing its copy leaves the cache alone.
func (set Settings) clone() Settings {
	set.Reasons = append([]string(nil), set.Reasons...)
	set.Levels = append([]Level(nil), set.Levels...)
	return set
}

func (s *Service) settingsAt(ctx context.Context, orgID int64) (Settings, error) {
	out := DefaultSettings()
	var rows []settingsRow
	err := s.db.Select(ctx, &rows, `SELECT rs.org_id, rs.scale, rs.satisfied_min, rs.followup_max, rs.timeout_seconds, rs.qr_cooldown_minutes,
		rs.min_ranked_n, rs.reasons, rs.welcome
		FROM rating_settings rs JOIN orgs o ON o.id = rs.org_id
		WHERE (SELECT path FROM orgs WHERE id = ?) LIKE o.path || '%' ORDER BY o.depth DESC LIMIT 1`, orgID)
	if err != nil || len(rows) == 0 {
		out.OrgID = &orgID
		return out, err
	}
	r := rows[0]
	out = Settings{OrgID: &orgID, Inherited: r.OrgID != orgID, Scale: r.Scale, SatisfiedMin: r.SatisfiedMin, FollowupMax: r.FollowupMax,
		TimeoutSeconds: r.TimeoutSeconds, QRCooldownMinutes: r.QRCooldownMinutes, MinRankedN: r.MinRankedN, Welcome: r.Welcome, Levels: Levels(r.Scale)}
	_ = json.Unmarshal([]byte(r.Reasons), &out.Reasons)
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	return out, nil
}

// SettingsInput sets an org's own settings.
type SettingsInput struct {
	OrgID             int64    `json:"org_id"`
	Scale             int      `json:"scale"`
	SatisfiedMin      int      `json:"satisfied_min"`
	FollowupMax       int      `json:"followup_max"`
	TimeoutSeconds    int      `json:"timeout_seconds"`
	QRCooldownMinutes int      `json:"qr_cooldown_minutes"`
	MinRankedN        int      `json:"min_ranked_n"`
	Reasons           []string `json:"reasons"`
	Welcome           string   `json:"welcome"`
}

// SaveSettings stores an org's own settings (a visible org), audited.
func (s *Service) SaveSettings(ctx context.Context, in SettingsInput) (Settings, error) {
	var v apperr.Validation
	if in.OrgID == 0 {
		v.Add("org_id", "必填", "required")
	} else if _, err := s.orgs.GetOrg(ctx, in.OrgID); err != nil {
		v.Add("org_id", "机构不存在或不在您的数据范围内", "org not found or outside your data scope")
	}
	if _, ok := scaleLabels[in.Scale]; !ok {
		v.Add("scale", "评价等级只能是 3、4 或 5 级", "scale must be 3, 4 or 5")
	} else {
		if in.SatisfiedMin < 1 || in.SatisfiedMin > in.Scale {
			v.Add("satisfied_min", "须在 1 到评价等级数之间", "must be between 1 and the scale")
		}
		if in.FollowupMax < 0 || in.FollowupMax >= in.Scale {
			v.Add("followup_max", "须在 0 到评价等级数减一之间（0 表示不回访）", "must be between 0 (no follow-ups) and scale − 1")
		}
	}
	if in.TimeoutSeconds < 5 || in.TimeoutSeconds > 600 {
		v.Add("timeout_seconds", "须在 5 到 600 秒之间", "must be between 5 and 600 seconds")
	}
	if in.QRCooldownMinutes < 0 || in.QRCooldownMinutes > 1440 {
		v.Add("qr_cooldown_minutes", "须在 0 到 1440 分钟之间", "must be between 0 and 1440 minutes")
	}
	if in.MinRankedN < 1 || in.MinRankedN > 10000 {
		v.Add("min_ranked_n", "须在 1 到 10000 之间", "must be between 1 and 10000")
	}
	reasons := []string{}
	for _, r := range in.Reasons {
		if r = strings.TrimSpace(r); r != "" {
			reasons = append(reasons, r)
		}
	}
	if len(reasons) > 20 {
		v.Add("reasons", "原因标签最多 20 个", "at most 20 reason tags")
	}
	in.Welcome = strings.TrimSpace(in.Welcome)
	if len([]rune(in.Welcome)) > 60 {
		v.Add("welcome", "欢迎语不能超过 60 字", "the welcome line must be at most 60 characters")
	}
	if err := v.Err(); err != nil {
		return Settings{}, err
	}
	var out Settings
	// Settings are inherited down the tree: every org's cached ones may change.
	s.settings.clear()
	defer s.settings.clear()
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.settingsAt(ctx, in.OrgID)
		if err != nil {
			return err
		}
		_, err = s.db.Exec(ctx, `INSERT INTO rating_settings (org_id, scale, satisfied_min, followup_max, timeout_seconds, qr_cooldown_minutes, min_ranked_n, reasons, welcome, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET scale = excluded.scale, satisfied_min = excluded.satisfied_min, followup_max = excluded.followup_max,
			timeout_seconds = excluded.timeout_seconds, qr_cooldown_minutes = excluded.qr_cooldown_minutes, min_ranked_n = excluded.min_ranked_n,
			reasons = excluded.reasons, welcome = excluded.welcome, updated_at = excluded.updated_at`,
			in.OrgID, in.Scale, in.SatisfiedMin, in.FollowupMax, in.TimeoutSeconds, in.QRCooldownMinutes, in.MinRankedN, jsonText(reasons), in.Welcome, store.Now())
		if err != nil {
			return err
		}
		if out, err = s.settingsAt(ctx, in.OrgID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "rating_settings", EntityID: in.OrgID, OrgID: in.OrgID,
			Summary: "修改评价设置", Before: before, After: out})
	})
	return out, err
}
