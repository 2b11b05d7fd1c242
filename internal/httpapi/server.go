// Package httpapi serves the REST API, the embedded web UI, health and metrics.
// Handlers are thin: they decode, call a domain service and encode.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lingting/internal/analytics"
	"lingting/internal/apperr"
	"lingting/internal/asset"
	"lingting/internal/attachment"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/contract"
	"lingting/internal/customer"
	"lingting/internal/dispatch"
	"lingting/internal/kb"
	"lingting/internal/notify"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/rating"
	"lingting/internal/reportjob"
	"lingting/internal/scope"
	"lingting/internal/sla"
	"lingting/internal/store"
	"lingting/internal/telephony"
	"lingting/internal/ticket"
	"lingting/internal/view"
)

// Deps are what the API serves.
type Deps struct {
	DB            *store.DB
	Orgs          *org.Service
	Auth          *auth.Service
	Audit         *audit.Log
	Customers     *customer.Service
	Tickets       *ticket.Service
	Assets        *asset.Service
	Telephony     *telephony.Service
	KB            *kb.Service
	Ratings       *rating.Service
	Analytics     *analytics.Service
	Contracts     *contract.Service
	Attachments   *attachment.Service
	Views         *view.Service
	Dispatch      *dispatch.Service
	Notify        *notify.Service
	ReportJobs    *reportjob.Service
	SLA           *sla.Service // calendars and policies (nil: built on DB, without the timers' follow-up)
	ImportKick    func()       // wakes the import worker
	Perms         *perm.Registry
	Metrics       *prometheus.Registry
	WebFS         fs.FS // the built web UI (web/dist); may hold only .gitkeep
	SecureCookies bool
	TrustProxy    bool
	LoginRate     int // login attempts per client IP per minute
	Version       string
}

// Server routes requests.
type Server struct {
	Deps
	mux      *http.ServeMux
	metrics  *httpMetrics
	limiter  *windowLimiter
	qrLimit  *windowLimiter
	openapi  []byte
	openJSON []byte
	// exports are the reports that export in the background (handlers_exports.go).
	exports map[string]exportDoc
}

// New builds the server and its routes.
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d, mux: http.NewServeMux(), limiter: newLoginLimiter(d.LoginRate), qrLimit: newWindowLimiter(qrRatingsPerHour, time.Hour)}
	s.metrics = newHTTPMetrics(d.Metrics)
	if err := s.loadOpenAPI(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// Handler returns the root handler with every middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.withRequestInfo(s.securityHeaders(s.mux)))
}

const sessionCookie = "lingting_session"

// public marks a route that needs no login.
const public = "public"

// authed marks a route that needs a login but no particular permission.
const authed = ""

type apiFunc func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// allowedBeforePasswordChange are the routes a user with a provisional password may use.
var allowedBeforePasswordChange = map[string]bool{
	"GET /api/v1/auth/me":        true,
	"POST /api/v1/auth/password": true,
	"POST /api/v1/auth/logout":   true,
}

// api registers an API route. Every route states its permission; the wrapper
// authenticates, checks CSRF, permission and forced password change, and puts the
// caller's scope and audit identity into the context before the handler runs.
func (s *Server) api(pattern, permission string, h apiFunc) {
	s.mux.HandleFunc(pattern, s.apiHandler(pattern, permission, h))
}

func (s *Server) apiHandler(pattern, permission string, h apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		if info != nil {
			info.route = pattern
		}
		var p *auth.Principal
		if permission != public {
			var err error
			p, err = s.authenticate(r)
			if err != nil {
				if _, had := r.Cookie(sessionCookie); had == nil && apperr.CodeOf(err) == apperr.Unauthenticated {
					clearSessionCookie(w, s.SecureCookies)
				}
				writeError(w, r, err)
				return
			}
			if info != nil {
				info.userID = p.User.ID
			}
			if p.User.MustChangePassword && !allowedBeforePasswordChange[pattern] {
				writeError(w, r, apperr.New(apperr.PasswordChangeRequired, "首次登录或密码已重置，请先修改密码", "you must change your password first"))
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				if err := auth.CheckCSRF(p, r.Header.Get("X-CSRF-Token")); err != nil {
					writeError(w, r, err)
					return
				}
			}
			if permission != authed && !p.Can(permission) {
				writeError(w, r, apperr.New(apperr.Forbidden, "没有权限："+permission, "permission denied: "+permission))
				return
			}
		}
		ctx := r.Context()
		actor := audit.Actor{IP: s.clientIP(r), RequestID: requestIDFrom(ctx)}
		if p != nil {
			ctx = auth.WithPrincipal(ctx, p)
			ctx = scope.With(ctx, p.Scope)
			ctx = perm.With(ctx, p.Permissions)
			actor.UserID, actor.Name = p.User.ID, p.User.Name
		}
		ctx = audit.WithActor(ctx, actor)
		if err := h(w, r.WithContext(ctx), p); err != nil {
			writeError(w, r, err)
		}
	}
}

func (s *Server) authenticate(r *http.Request) (*auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return nil, apperr.New(apperr.Unauthenticated, "Authorization 头格式应为 Bearer <token>", "the Authorization header must be Bearer <token>")
		}
		return s.Auth.Bearer(r.Context(), strings.TrimSpace(token))
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, apperr.New(apperr.Unauthenticated, "请先登录", "please log in")
	}
	return s.Auth.Session(r.Context(), c.Value)
}

func (s *Server) clientIP(r *http.Request) string {
	if s.TrustProxy {
		// The right-most entry is the one our own proxy appended; entries to its
		// left come from the client and can be forged.
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := strings.TrimSpace(last); ip != "" {
				return ip
			}
		}
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mux.HandleFunc("GET /api/v1/openapi.json", s.serveOpenAPI(true))
	s.mux.HandleFunc("GET /api/v1/openapi.yaml", s.serveOpenAPI(false))

	s.api("POST /api/v1/auth/login", public, s.login)
	s.api("POST /api/v1/auth/logout", authed, s.logout)
	s.api("GET /api/v1/auth/me", authed, s.me)
	s.api("POST /api/v1/auth/password", authed, s.changePassword)
	s.api("GET /api/v1/auth/tokens", authed, s.listTokens)
	s.api("POST /api/v1/auth/tokens", authed, s.createToken)
	s.api("DELETE /api/v1/auth/tokens/{id}", authed, s.revokeToken)

	s.api("GET /api/v1/orgs", "org.read", s.listOrgs)
	s.api("POST /api/v1/orgs", "org.create", s.createOrg)
	s.api("GET /api/v1/orgs/{id}", "org.read", s.getOrg)
	s.api("PATCH /api/v1/orgs/{id}", "org.update", s.updateOrg)
	s.api("DELETE /api/v1/orgs/{id}", "org.delete", s.deleteOrg)
	s.api("POST /api/v1/orgs/{id}/move", "org.update", s.moveOrg)

	s.api("GET /api/v1/users", "user.read", s.listUsers)
	s.api("POST /api/v1/users", "user.create", s.createUser)
	s.api("GET /api/v1/users/{id}", "user.read", s.getUser)
	s.api("PATCH /api/v1/users/{id}", "user.update", s.updateUser)
	s.api("POST /api/v1/users/{id}/reset-password", "user.update", s.resetPassword)
	s.api("PUT /api/v1/users/{id}/roles", "user.assign_roles", s.setUserRoles)

	s.api("GET /api/v1/roles", "role.read", s.listRoles)
	s.api("POST /api/v1/roles", "role.create", s.createRole)
	s.api("GET /api/v1/roles/{id}", "role.read", s.getRole)
	s.api("PATCH /api/v1/roles/{id}", "role.update", s.updateRole)
	s.api("DELETE /api/v1/roles/{id}", "role.delete", s.deleteRole)
	s.api("GET /api/v1/permissions", authed, s.listPermissions)

	s.api("GET /api/v1/audit", "audit.read", s.listAudit)
	s.customerRoutes()
	s.ticketRoutes()
	s.telephonyRoutes()
	s.kbRoutes()
	s.slaRoutes()
	s.ratingRoutes()
	s.analyticsRoutes()
	s.notifyRoutes()
	s.contractRoutes()
	s.attachmentRoutes()
	s.bulkAndViewRoutes()
	s.dispatchRoutes()
	s.exportRoutes()

	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, apperr.New(apperr.NotFound, "接口不存在："+r.Method+" "+r.URL.Path, "no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	s.mux.Handle("/", s.webHandler())
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "migrations": "ok"}
	status := http.StatusOK
	if err := s.DB.Ping(ctx); err != nil {
		slog.WarnContext(ctx, "readiness: database", "err", err)
		checks["database"], status = "unreachable", http.StatusServiceUnavailable
	} else if current, err := s.DB.MigrationsCurrent(ctx); err != nil || !current {
		checks["migrations"], status = "pending", http.StatusServiceUnavailable
		if err != nil {
			checks["migrations"] = "unknown"
			slog.WarnContext(ctx, "readiness: migration check failed", "err", err)
		}
	}
	writeJSON(w, status, map[string]any{"status": map[bool]string{true: "ready", false: "not_ready"}[status == http.StatusOK], "checks": checks})
}
