package customer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/importer"
	"lingting/internal/perm"
)

// Input is a customer as written by create, update and import.
type Input struct {
	Kind            string         `json:"kind"`
	Name            string         `json:"name"`
	Phone           string         `json:"phone"` // shorthand for one primary phone
	Phones          []Phone        `json:"phones"`
	IDType          string         `json:"id_type"`
	IDNumber        string         `json:"id_number"`
	Email           string         `json:"email"`
	Address         string         `json:"address"`
	Region          string         `json:"region"`
	OrgID           int64          `json:"org_id"`
	ManagerID       *int64         `json:"manager_id"`
	Grade           string         `json:"grade"`
	Tags            []string       `json:"tags"`
	Source          string         `json:"source"`
	Status          string         `json:"status"`
	Birthday        *string        `json:"birthday"`
	Anniversaries   []Anniversary  `json:"anniversaries"`
	Confidentiality int            `json:"confidentiality"`
	Custom          map[string]any `json:"custom"`
	Notes           string         `json:"notes"`
}

var idTypes = map[string]bool{"": true, "resident_id": true, "passport": true, "uscc": true, "other": true}

// normalize validates in and puts it in canonical form. Checks that need the
// database (org, manager, grade, custom fields) are done by checkRefs.
func normalize(in *Input, v *apperr.Validation) {
	in.Name = importer.Normalize(in.Name)
	in.Kind = strings.TrimSpace(in.Kind)
	if in.Kind == "" {
		in.Kind = KindIndividual
	}
	if in.Kind != KindIndividual && in.Kind != KindOrganization {
		v.Add("kind", "客户类型只能是个人或企业", "kind must be individual or organization")
	}
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 64 {
		v.Add("name", "客户名称不能超过 64 个字", "name must be at most 64 characters")
	}
	if in.Phone != "" && len(in.Phones) == 0 {
		in.Phones = []Phone{{Number: in.Phone, Label: "手机", Primary: true}}
	}
	if len(in.Phones) > 5 {
		v.Add("phones", "最多 5 个电话号码", "at most 5 phone numbers")
	}
	primary := -1
	seen := map[string]bool{}
	phones := in.Phones[:0:0]
	for i, p := range in.Phones {
		n, ok := importer.Phone(p.Number)
		if !ok {
			v.Add("phones", fmt.Sprintf("第 %d 个电话号码格式不正确：%s", i+1, p.Number), fmt.Sprintf("phone %d is not a valid number: %s", i+1, p.Number))
			continue
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		p.Number, p.Label = n, strings.TrimSpace(p.Label)
		if p.Primary {
			if primary >= 0 {
				p.Primary = false
			} else {
				primary = len(phones)
			}
		}
		phones = append(phones, p)
	}
	if primary < 0 && len(phones) > 0 {
		phones[0].Primary = true
	}
	in.Phones, in.Phone = phones, ""
	for _, p := range phones {
		if p.Primary {
			in.Phone = p.Number
		}
	}
	in.IDNumber = strings.ToUpper(importer.Normalize(in.IDNumber))
	if !idTypes[in.IDType] {
		v.Add("id_type", "证件类型无效", "unknown ID type")
	}
	if in.IDType == "" && in.IDNumber != "" {
		in.IDType = "other"
		if _, _, ok, _ := importer.ResidentID(in.IDNumber); ok {
			in.IDType = "resident_id"
		}
	}
	if in.IDType == "resident_id" && in.IDNumber != "" {
		id, birth, ok, problem := importer.ResidentID(in.IDNumber)
		if !ok {
			v.Add("id_number", problem.ZH, problem.EN)
		} else {
			in.IDNumber = id
			if in.Birthday == nil || *in.Birthday == "" {
				b := birth.Format(time.DateOnly)
				in.Birthday = &b
			} else if *in.Birthday != birth.Format(time.DateOnly) {
				v.Add("birthday", "生日与身份证号不一致", "birthday does not match the ID number")
			}
		}
	}
	if in.IDType == "uscc" && in.IDNumber != "" {
		if code, ok, problem := importer.USCC(in.IDNumber); ok {
			in.IDNumber = code
		} else {
			v.Add("id_number", problem.ZH, problem.EN)
		}
	}
	if in.Email = strings.TrimSpace(in.Email); in.Email != "" {
		if e, ok := importer.Email(in.Email); ok {
			in.Email = e
		} else {
			v.Add("email", "电子邮箱格式不正确", "not a valid e-mail address")
		}
	}
	in.Address, in.Region, in.Source = importer.Normalize(in.Address), importer.Normalize(in.Region), strings.TrimSpace(in.Source)
	if in.Status == "" {
		in.Status = StatusFormal
	}
	if in.Status != StatusPotential && in.Status != StatusFormal && in.Status != StatusLost {
		v.Add("status", "状态只能是 potential、formal 或 lost", "status must be potential, formal or lost")
	}
	if in.Birthday != nil && *in.Birthday != "" {
		if _, err := time.Parse(time.DateOnly, *in.Birthday); err != nil {
			v.Add("birthday", "生日格式应为 YYYY-MM-DD", "birthday must be YYYY-MM-DD")
		}
	} else {
		in.Birthday = nil
	}
	for _, a := range in.Anniversaries {
		if _, err := time.Parse(time.DateOnly, a.Date); err != nil || strings.TrimSpace(a.Label) == "" {
			v.Add("anniversaries", "纪念日需要名称和 YYYY-MM-DD 日期", "anniversaries need a label and a YYYY-MM-DD date")
		}
	}
	if in.Anniversaries == nil {
		in.Anniversaries = []Anniversary{}
	}
	if in.Confidentiality == 0 {
		in.Confidentiality = 1
	}
	if in.Confidentiality < 1 || in.Confidentiality > 3 {
		v.Add("confidentiality", "密级只能是 1（普通）、2（敏感）或 3（机密）", "confidentiality must be 1, 2 or 3")
	}
	tags := []string{}
	seenTag := map[string]bool{}
	for _, t := range in.Tags {
		t = importer.Normalize(t)
		if t == "" || seenTag[t] {
			continue
		}
		if len([]rune(t)) > 20 {
			v.Add("tags", "标签不能超过 20 个字："+t, "a tag must be at most 20 characters: "+t)
		}
		seenTag[t] = true
		tags = append(tags, t)
	}
	if len(tags) > 20 {
		v.Add("tags", "最多 20 个标签", "at most 20 tags")
	}
	in.Tags = tags
	if in.Custom == nil {
		in.Custom = map[string]any{}
	}
	if len([]rune(in.Notes)) > 5000 {
		v.Add("notes", "备注不能超过 5000 字", "notes must be at most 5000 characters")
	}
}

// checkRefs validates what needs the database: org and manager in the caller's
// scope, grade, custom fields, and the caller's clearance.
func (s *Service) checkRefs(ctx context.Context, in *Input, v *apperr.Validation) error {
	b := batchFrom(ctx)
	if in.OrgID == 0 {
		v.Add("org_id", "必填", "required")
	} else if ok, err := b.visible(refOrg, in.OrgID, func() error { _, err := s.orgs.GetOrg(ctx, in.OrgID); return err }); err != nil {
		return err
	} else if !ok {
		v.Add("org_id", "所属机构不存在或不在您的数据范围内", "org not found or outside your data scope")
	}
	if in.ManagerID != nil && *in.ManagerID != 0 {
		id := *in.ManagerID
		if ok, err := b.visible(refManager, id, func() error { _, err := s.orgs.GetUser(ctx, id); return err }); err != nil {
			return err
		} else if !ok {
			v.Add("manager_id", "客户经理不存在或不在您的数据范围内", "manager not found or outside your data scope")
		}
	} else {
		in.ManagerID = nil
	}
	if in.Grade != "" {
		grades, err := b.gradeList(ctx, s)
		if err != nil {
			return err
		}
		found := false
		for _, g := range grades {
			if g.Code == in.Grade || g.Name == in.Grade {
				in.Grade, found = g.Code, true
			}
		}
		if !found {
			v.Add("grade", "客户等级不存在："+in.Grade, "unknown grade: "+in.Grade)
		}
	}
	if in.Confidentiality > clearance(perm.From(ctx)) && perm.From(ctx) != nil {
		v.Add("confidentiality", "不能设置高于自己权限的密级", "cannot set a confidentiality above your clearance")
	}
	fields, err := b.fieldList(ctx, s)
	if err != nil {
		return err
	}
	return validateCustom(in.Custom, fields, v)
}
