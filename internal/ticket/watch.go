package ticket

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/notify"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Notifier writes notifications to the outbox in the caller's transaction
// (notify.Service); internal/app sets it.
type Notifier interface {
	Enqueue(ctx context.Context, ev notify.Event) (int, error)
}

// SetNotifier makes watchers and @mentioned users hear about comments and
// status changes.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// Notification kinds of tickets (templates in internal/notify).
const (
	KindComment = notify.KindTicketComment
	KindMention = notify.KindTicketMention
	KindStatus  = notify.KindTicketStatus
)

// Why someone watches a ticket.
const (
	WatchCreator  = "creator"
	WatchAssignee = "assignee"
	WatchManual   = "manual"
	WatchMention  = "mention"
)

// Watcher is one user who follows a ticket (关注人).
type Watcher struct {
	UserID int64  `db:"user_id" json:"user_id"`
	Login  string `db:"login" json:"login"`
	Name   string `db:"name" json:"name"`
	Reason string `db:"reason" json:"reason"`
}

// WatcherList is a ticket's watchers and whether the caller is one.
type WatcherList struct {
	Items    []Watcher `json:"items"`
	Total    int       `json:"total"`
	Watching bool      `json:"watching"`
}

type watchRow struct {
	UserID   int64  `db:"user_id"`
	Watching bool   `db:"watching"`
	Reason   string `db:"reason"`
}

// watcherIDs answers who watches a ticket and why: rows of people who chose to
// watch or were mentioned, plus the creator and the assignee unless they
// unwatched. Implicit watching covers tickets however they were created or
// assigned (bulk loads, dispatch rules, bulk actions).
func (s *Service) watcherIDs(ctx context.Context, id int64) (map[int64]string, error) {
	var rows []watchRow
	if err := s.db.Select(ctx, &rows, "SELECT user_id, watching, reason FROM ticket_watchers WHERE ticket_id = ?", id); err != nil {
		return nil, err
	}
	var who struct {
		CreatedBy  *int64 `db:"created_by"`
		AssigneeID *int64 `db:"assignee_id"`
	}
	if err := s.db.Get(ctx, &who, "SELECT created_by, assignee_id FROM tickets WHERE id = ?", id); err != nil {
		return nil, err
	}
	out := map[int64]string{}
	optedOut := map[int64]bool{}
	for _, r := range rows {
		if r.Watching {
			out[r.UserID] = r.Reason
		} else {
			optedOut[r.UserID] = true
		}
	}
	if who.AssigneeID != nil && !optedOut[*who.AssigneeID] {
		out[*who.AssigneeID] = WatchAssignee
	}
	if who.CreatedBy != nil && !optedOut[*who.CreatedBy] {
		if _, ok := out[*who.CreatedBy]; !ok {
			out[*who.CreatedBy] = WatchCreator
		}
	}
	return out, nil
}

// Watchers lists the watchers of a visible ticket.
func (s *Service) Watchers(ctx context.Context, id int64) (*WatcherList, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	ids, err := s.watcherIDs(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &WatcherList{Items: []Watcher{}}
	if len(ids) > 0 {
		q, args, err := store.In("SELECT id AS user_id, login, name, '' AS reason FROM users WHERE id IN (?) ORDER BY id", mapKeys(ids))
		if err != nil {
			return nil, err
		}
		if err := s.db.Select(ctx, &out.Items, s.db.Rebind(q), args...); err != nil {
			return nil, err
		}
	}
	me := audit.ActorFrom(ctx).UserID
	for i := range out.Items {
		out.Items[i].Reason = ids[out.Items[i].UserID]
		if out.Items[i].UserID == me {
			out.Watching = true
		}
	}
	out.Total = len(out.Items)
	return out, nil
}

// Watch makes the caller watch (or stop watching) a visible ticket.
func (s *Service) Watch(ctx context.Context, id int64, watching bool) (*WatcherList, error) {
	me := audit.ActorFrom(ctx).UserID
	if me == 0 {
		return nil, apperr.New(apperr.Forbidden, "只有登录用户可以关注工单", "only a signed-in user can watch a ticket")
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := s.setWatching(ctx, id, me, watching, WatchManual); err != nil {
			return err
		}
		summary := "关注工单 " + t.Number
		if !watching {
			summary = "取消关注工单 " + t.Number
		}
		return s.audit.Record(ctx, audit.Entry{Action: map[bool]string{true: "watch", false: "unwatch"}[watching], Entity: "ticket", EntityID: id, OrgID: t.OrgID, Summary: summary})
	})
	if err != nil {
		return nil, err
	}
	return s.Watchers(ctx, id)
}

func (s *Service) setWatching(ctx context.Context, ticketID, userID int64, watching bool, reason string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO ticket_watchers (ticket_id, user_id, watching, reason, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (ticket_id, user_id) DO UPDATE SET watching = excluded.watching, reason = excluded.reason, created_at = excluded.created_at`,
		ticketID, userID, watching, reason, s.now())
	return err
}

func mapKeys(m map[int64]string) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// visibility answers whether users can see a ticket: active, holding
// ticket.read, and the ticket inside their data scope. It remembers answers
// for the duration of one change.
type visibility struct {
	s      *Service
	ticket int64
	known  map[int64]bool
}

func (s *Service) visibility(ticketID int64) *visibility {
	return &visibility{s: s, ticket: ticketID, known: map[int64]bool{}}
}

func (v *visibility) can(ctx context.Context, userID int64) (bool, error) {
	if ok, seen := v.known[userID]; seen {
		return ok, nil
	}
	ok, err := v.s.userSees(ctx, userID, v.ticket)
	if err != nil {
		return false, err
	}
	v.known[userID] = ok
	return ok, nil
}

func (s *Service) userSees(ctx context.Context, userID, ticketID int64) (bool, error) {
	sys := scope.With(ctx, scope.System())
	u, err := s.orgs.UserByID(sys, userID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if u.Status != org.StatusActive {
		return false, nil
	}
	perms, sc, err := s.orgs.Access(sys, u)
	if err != nil {
		return false, err
	}
	if !perms.Has("ticket.read") {
		return false, nil
	}
	pred, args := sc.Where(ScopeColumns)
	var n int
	if err := s.db.Get(ctx, &n, "SELECT count(*) FROM tickets t WHERE t.id = ? AND "+pred, append([]any{ticketID}, args...)...); err != nil {
		return false, err
	}
	return n > 0, nil
}

// Mention is one @login in a comment and what came of it.
type Mention struct {
	Login    string `json:"login"`
	UserID   *int64 `json:"user_id"`
	Name     string `json:"name"`
	Notified bool   `json:"notified"`
	// Reason says why nobody was notified: unknown_user (also for a user
	// outside the caller's data scope who cannot see the ticket), no_access
	// (a user the caller may see who cannot see the ticket; nothing is
	// revealed to them) or self.
	Reason    string `json:"reason,omitempty"`
	MessageZH string `json:"message_zh,omitempty"`
	MessageEN string `json:"message_en,omitempty"`
}

// mentionPattern finds @login: a login is letters, digits, dot, dash and
// underscore; the @ must not follow a word character (so e-mail addresses
// are not mentions).
var mentionPattern = regexp.MustCompile(`(?:^|[^\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})`)

// parseMentions answers the distinct logins mentioned in a body, in order.
func parseMentions(body string) []string {
	out := []string{}
	for _, m := range mentionPattern.FindAllStringSubmatch(body, 20) {
		login := strings.TrimRight(m[1], ".-")
		if login != "" && !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, login) }) {
			out = append(out, login)
		}
	}
	return out
}

// resolveMentions looks the logins up and keeps the users who can see the
// ticket; the others are reported with the reason.
func (s *Service) resolveMentions(ctx context.Context, vis *visibility, logins []string, me int64) ([]Mention, error) {
	out := []Mention{}
	for _, login := range logins {
		m := Mention{Login: login}
		unknown := func() {
			m.Reason, m.MessageZH, m.MessageEN = "unknown_user", "没有登录名为 "+login+" 的用户", "no user with login "+login
			out = append(out, m)
		}
		u, _, err := s.orgs.UserByLogin(scope.With(ctx, scope.System()), login)
		switch {
		case apperr.CodeOf(err) == apperr.NotFound:
			unknown()
			continue
		case err != nil:
			return nil, err
		}
		m.UserID, m.Login, m.Name = &u.ID, u.Login, u.Name
		if u.ID == me {
			m.Reason = "self"
			out = append(out, m)
			continue
		}
		ok, err := vis.can(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if !ok {
			// A user the caller may not see (outside their data scope) who
			// cannot see the ticket either gets exactly the unknown_user
			// answer, login echoed as typed: otherwise @guessing would tell
			// which logins exist. Those who can see the ticket are notified
			// whatever the caller's scope: they work on it together.
			visible, err := s.callerSeesUser(ctx, u.ID)
			if err != nil {
				return nil, err
			}
			if !visible {
				m = Mention{Login: login}
				unknown()
				continue
			}
			// Only the login is echoed: the name of a user outside the
			// ticket's scope is not the caller's to learn here.
			m.UserID, m.Name = nil, ""
			m.Reason = "no_access"
			m.MessageZH = "用户 " + u.Login + " 无权查看此工单，未通知"
			m.MessageEN = u.Login + " cannot see this ticket and was not notified"
		} else {
			m.Notified = true
		}
		out = append(out, m)
	}
	return out, nil
}

// callerSeesUser answers whether the caller's data scope covers a user (as
// for the user list).
func (s *Service) callerSeesUser(ctx context.Context, userID int64) (bool, error) {
	_, err := s.orgs.GetUser(ctx, userID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	return err == nil, err
}

// notifyWatchers enqueues one event for recipients (nil: the watchers of the
// ticket), leaving out the actor, those in skip, and everyone who cannot see
// the ticket — an internal comment never reaches anyone outside its scope.
func (s *Service) notifyWatchers(ctx context.Context, vis *visibility, t *Ticket, key, kind string, recipients []int64, skip map[int64]bool, vars map[string]string) error {
	if s.notifier == nil {
		return nil
	}
	if recipients == nil {
		ids, err := s.watcherIDs(ctx, t.ID)
		if err != nil {
			return err
		}
		recipients = mapKeys(ids)
	}
	me := audit.ActorFrom(ctx).UserID
	users := []int64{}
	for _, id := range recipients {
		if id == me || skip[id] || slices.Contains(users, id) {
			continue
		}
		ok, err := vis.can(ctx, id)
		if err != nil {
			return err
		}
		if ok {
			users = append(users, id)
		}
	}
	if len(users) == 0 {
		return nil
	}
	vars["ticket_number"], vars["ticket_title"] = t.Number, t.Title
	if vars["actor"] == "" {
		vars["actor"] = s.actorName(ctx)
	}
	_, err := s.notifier.Enqueue(ctx, notify.Event{Key: key, Kind: kind, TicketID: t.ID, Users: users, Vars: vars})
	return err
}

func (s *Service) actorName(ctx context.Context) string {
	me := audit.ActorFrom(ctx).UserID
	if me == 0 {
		return "系统"
	}
	var name string
	if err := s.db.Get(ctx, &name, "SELECT name FROM users WHERE id = ?", me); err != nil {
		return "系统"
	}
	return name
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// commentNotices runs inside AddComment's transaction: mentioned users who can
// see the ticket become watchers and get a mention; the other watchers get a
// comment notice.
func (s *Service) commentNotices(ctx context.Context, t *Ticket, commentID int64, in CommentInput) ([]Mention, error) {
	vis := s.visibility(t.ID)
	me := audit.ActorFrom(ctx).UserID
	mentions, err := s.resolveMentions(ctx, vis, parseMentions(in.Body), me)
	if err != nil {
		return nil, err
	}
	mentioned := map[int64]bool{}
	var ids []int64
	for _, m := range mentions {
		if m.Notified {
			mentioned[*m.UserID] = true
			ids = append(ids, *m.UserID)
			if err := s.setWatching(ctx, t.ID, *m.UserID, true, WatchMention); err != nil {
				return nil, err
			}
		}
	}
	vars := func() map[string]string {
		return map[string]string{"comment": excerpt(in.Body, 200), "visibility": map[bool]string{true: "内部", false: "公开"}[in.Internal]}
	}
	if len(ids) > 0 && s.notifier != nil {
		if err := s.notifyWatchers(ctx, vis, t, fmt.Sprintf("ticket.mention:%d", commentID), KindMention, ids, nil, vars()); err != nil {
			return nil, err
		}
	}
	if err := s.notifyWatchers(ctx, vis, t, fmt.Sprintf("ticket.comment:%d", commentID), KindComment, nil, mentioned, vars()); err != nil {
		return nil, err
	}
	return mentions, nil
}

// statusNotice tells the watchers about a transition (inside Transition's transaction).
func (s *Service) statusNotice(ctx context.Context, t *Ticket, version int, wf Workflow, from, to string) error {
	if s.notifier == nil {
		return nil
	}
	fromS, _ := wf.Status(from)
	toS, _ := wf.Status(to)
	return s.notifyWatchers(ctx, s.visibility(t.ID), t, fmt.Sprintf("ticket.status:%d:%d", t.ID, version), KindStatus, nil, nil,
		map[string]string{"status": nameZH(toS, to), "from_status": nameZH(fromS, from)})
}

// Subtasks lists the visible sub-tasks (子任务) of a visible ticket, oldest first.
func (s *Service) Subtasks(ctx context.Context, id int64) ([]*Ticket, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	pred, args := scope.From(ctx).Where(ScopeColumns)
	items := []*Ticket{}
	if err := s.db.Select(ctx, &items, pageSQL("SELECT t.id FROM tickets t WHERE t.parent_id = ? AND "+pred+" ORDER BY t.id LIMIT 200")+" ORDER BY t.id",
		append([]any{id}, args...)...); err != nil {
		return nil, err
	}
	for _, t := range items {
		t.derive()
	}
	return items, s.fill(ctx, items)
}

// MentionCandidate is a user who may be @mentioned on a ticket.
type MentionCandidate struct {
	ID      int64  `db:"id" json:"id"`
	Login   string `db:"login" json:"login"`
	Name    string `db:"name" json:"name"`
	OrgName string `db:"org_name" json:"org_name"`
}

// Mentionable suggests users matching q (login, name or initials) who can see
// a visible ticket — the comment box's @ list.
func (s *Service) Mentionable(ctx context.Context, id int64, q string, limit int) ([]MentionCandidate, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 20 {
		limit = 10
	}
	q = strings.ToLower(strings.TrimSpace(q))
	p := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
	var cands []MentionCandidate
	if err := s.db.Select(ctx, &cands, `SELECT u.id, u.login, u.name, o.name AS org_name FROM users u JOIN orgs o ON o.id = u.org_id
		WHERE u.status = 'active' AND (lower(u.login) LIKE ? ESCAPE '\' OR lower(u.name) LIKE ? ESCAPE '\' OR lower(u.initials) LIKE ? ESCAPE '\')
		ORDER BY length(u.login), u.login LIMIT 60`, p, p, p); err != nil {
		return nil, err
	}
	vis := s.visibility(id)
	out := []MentionCandidate{}
	for _, c := range cands {
		ok, err := vis.can(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}
