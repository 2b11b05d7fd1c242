package httpapi

import (
	"io/fs"
	"net/http"
	"path"
	"strings"
)

const uiMissingPage = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>聆听</title>
<body style="font-family:sans-serif;padding:2em"><h1>聆听客户服务管理系统</h1>
<p>网页界面尚未构建：请运行 <code>make build</code>（或 <code>make run</code>）。API 位于 <a href="/api/v1/openapi.json">/api/v1</a>。</p>
<p>The web UI is not built: run <code>make build</code>. The API is under /api/v1.</p></body></html>`

// webHandler serves the embedded single-page app: real files as they are, and
// index.html for every other path so client-side routes survive a reload.
func (s *Server) webHandler() http.Handler {
	files := http.FileServerFS(s.WebFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if st, err := fs.Stat(s.WebFS, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			}
		}
		index, err := fs.ReadFile(s.WebFS, "index.html")
		if err != nil {
			index = []byte(uiMissingPage)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	})
}
