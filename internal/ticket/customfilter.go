package ticket

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/store"
)

// customConds renders the custom.<key>=value filters of a ticket list as SQL
// (" AND …" conditions and their arguments). The comparison follows the
// field's kind, taken from the filtered type (or, without a type, from every
// type that has the key, when they agree): numbers compare as numbers (so
// "3" finds 3 and 3.0), yes/no fields take true/false, a multi-select keeps
// tickets whose list contains the value; text, select and date fields, and
// keys whose kind is unknown or ambiguous, compare the stored text. A value
// that does not fit its kind answers 422 on custom.<key>.
func (s *Service) customConds(ctx context.Context, typ string, filters map[string]string) (string, []any, error) {
	kinds, err := s.customKinds(ctx, typ)
	if err != nil {
		return "", nil, err
	}
	pg := s.db.Dialect == store.Postgres
	var w strings.Builder
	var args []any
	var v apperr.Validation
	for _, k := range slices.Sorted(maps.Keys(filters)) {
		if !ValidFieldKey(k) {
			continue
		}
		val := strings.TrimSpace(filters[k])
		switch kinds[k] {
		case FieldNumber:
			n, err := strconv.ParseFloat(val, 64)
			if err != nil {
				v.Add("custom."+k, "「"+k+"」的筛选值须为数字", "the filter on "+k+" must be a number")
				continue
			}
			if pg {
				w.WriteString(" AND (t.custom::jsonb -> '" + k + "') = ?::jsonb")
				args = append(args, strconv.FormatFloat(n, 'g', -1, 64))
			} else {
				w.WriteString(" AND " + s.customPath(k) + " = ?")
				args = append(args, n)
			}
		case FieldBoolean:
			b, err := strconv.ParseBool(val)
			if err != nil {
				v.Add("custom."+k, "「"+k+"」的筛选值须为 true 或 false", "the filter on "+k+" must be true or false")
				continue
			}
			if pg {
				w.WriteString(" AND (t.custom::jsonb -> '" + k + "') = ?::jsonb")
				args = append(args, strconv.FormatBool(b))
			} else {
				// json_extract answers JSON true/false as 1/0.
				w.WriteString(" AND json_type(t.custom, '$." + k + "') = ?")
				args = append(args, map[bool]string{true: "true", false: "false"}[b])
			}
		case FieldMultiSelect:
			if pg {
				one, _ := json.Marshal([]string{val})
				w.WriteString(" AND (t.custom::jsonb -> '" + k + "') @> ?::jsonb")
				args = append(args, string(one))
			} else {
				w.WriteString(" AND EXISTS (SELECT 1 FROM json_each(t.custom, '$." + k + "') WHERE value = ?)")
				args = append(args, val)
			}
		default:
			w.WriteString(" AND " + s.customPath(k) + " = ?")
			args = append(args, filters[k])
		}
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	return w.String(), args, nil
}

// customKinds answers the kind of each custom field key: the type's fields,
// or without a type the keys every type that has them declares alike.
func (s *Service) customKinds(ctx context.Context, typ string) (map[string]string, error) {
	out := map[string]string{}
	if typ != "" {
		t, err := s.typeDef(ctx, typ)
		if apperr.CodeOf(err) == apperr.NotFound {
			return out, nil // the type filter alone finds nothing
		}
		if err != nil {
			return nil, err
		}
		for _, f := range t.Fields {
			out[f.Key] = f.Kind
		}
		return out, nil
	}
	types, err := s.Types(ctx)
	if err != nil {
		return nil, err
	}
	mixed := map[string]bool{}
	for _, t := range types {
		for _, f := range t.Fields {
			if k, seen := out[f.Key]; seen && k != f.Kind {
				mixed[f.Key] = true
			}
			out[f.Key] = f.Kind
		}
	}
	for k := range mixed {
		delete(out, k)
	}
	return out, nil
}
