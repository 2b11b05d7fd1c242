package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI parses the embedded OpenAPI document (tests validate responses against it).
func OpenAPI() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openapiYAML)
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
	if s.openJSON, err = json.Marshal(doc); err != nil {
		return err
	}
	s.openapi = openapiYAML
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
