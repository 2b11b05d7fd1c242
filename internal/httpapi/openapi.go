package httpapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// The document is the base file plus one fragment per domain under openapi/, so
// each domain keeps its paths and schemas next to its peers instead of in one
// file several people edit at once. A fragment holds `paths` and `components`
// only; a key defined twice is an error, not a silent override.
//
//go:embed openapi.yaml openapi
var openapiFS embed.FS

var mergedOpenAPI = sync.OnceValues(mergeOpenAPI)

func mergeOpenAPI() ([]byte, error) {
	base, err := readYAML("openapi.yaml")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(openapiFS, "openapi/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		frag, err := readYAML(name)
		if err != nil {
			return nil, err
		}
		for key, v := range frag {
			if key != "paths" && key != "components" {
				return nil, fmt.Errorf("openapi: %s: a fragment may hold paths and components only, not %q", name, key)
			}
			if err := mergeMaps(base, key, v, name); err != nil {
				return nil, err
			}
		}
	}
	return yaml.Marshal(base)
}

// mergeMaps adds src under dst[key]: paths one level deep, components two
// (components → schemas → Name).
func mergeMaps(dst map[string]any, key string, src any, from string) error {
	srcMap, ok := src.(map[string]any)
	if !ok {
		return fmt.Errorf("openapi: %s: %s is not a mapping", from, key)
	}
	dstMap, _ := dst[key].(map[string]any)
	if dstMap == nil {
		dstMap = map[string]any{}
		dst[key] = dstMap
	}
	for k, v := range srcMap {
		if key == "components" {
			if err := mergeMaps(dstMap, k, v, from); err != nil {
				return err
			}
			continue
		}
		if _, dup := dstMap[k]; dup {
			return fmt.Errorf("openapi: %s: %s %q is already defined", from, key, k)
		}
		dstMap[k] = v
	}
	return nil
}

func readYAML(name string) (map[string]any, error) {
	raw, err := openapiFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("openapi: %s: %w", name, err)
	}
	return m, nil
}

// OpenAPI parses the merged OpenAPI document (tests validate responses against it).
func OpenAPI() (*openapi3.T, error) {
	raw, err := mergedOpenAPI()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return doc, nil
}

func (s *Server) loadOpenAPI() error {
	doc, err := OpenAPI()
	if err != nil {
		return err
	}
	if err := doc.Validate(openapi3.NewLoader().Context); err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	if s.openJSON, err = json.Marshal(doc); err != nil {
		return err
	}
	s.openapi, _ = mergedOpenAPI()
	return nil
}

func (s *Server) serveOpenAPI(asJSON bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if asJSON {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(s.openJSON)
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(s.openapi)
	}
}
