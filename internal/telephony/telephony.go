// Package telephony turns an incoming call into a screen pop (来电弹屏): the
// matching customers and the calling outlet with its devices and open tickets,
// pushed to the agent's browser.
package telephony

import (
	"context"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/asset"
	"lingting/internal/customer"
	"lingting/internal/importer"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "telephony.notify", Group: "ticket", LabelZH: "推送来电（呼叫中心集成）", LabelEN: "Push incoming calls (PBX integration)"},
	// The agent desk: screen pops and the stream of one's incoming calls.
	{Code: "telephony.answer", Group: "ticket", LabelZH: "接听来电（坐席台、来电弹屏）", LabelEN: "Answer calls (agent desk, screen pop)"},
}

// Service builds screen pops and relays calls.
type Service struct {
	db        *store.DB
	orgs      *org.Service
	customers *customer.Service
	tickets   *ticket.Service
	assets    *asset.Service
	ratings   *rating.Service // optional: recent ratings on the customer card
}

// WithRatings adds recent ratings of the customer's tickets to screen pops.
func (s *Service) WithRatings(r *rating.Service) *Service {
	s.ratings = r
	return s
}

// NewService wires the service.
func NewService(db *store.DB, orgs *org.Service, customers *customer.Service, tickets *ticket.Service, assets *asset.Service) *Service {
	return &Service{db: db, orgs: orgs, customers: customers, tickets: tickets, assets: assets}
}

// Caller is a member of staff whose phone rang in, with their org's card.
type Caller struct {
	UserID      int64            `json:"user_id"`
	Name        string           `json:"name"`
	OrgID       int64            `json:"org_id"`
	OrgName     string           `json:"org_name"`
	Devices     []asset.Asset    `json:"devices"`
	OpenTickets []*ticket.Ticket `json:"open_tickets"`
}

// CustomerCard is a matching customer with their open tickets and history.
type CustomerCard struct {
	Customer     *customer.Customer     `json:"customer"`
	OpenTickets  []*ticket.Ticket       `json:"open_tickets"`
	Interactions []customer.Interaction `json:"recent_interactions"`
	Ratings      []rating.Rating        `json:"recent_ratings"`
}

// Pop is what the agent's screen shows for a number.
type Pop struct {
	Phone     string         `json:"phone"`
	Customers []CustomerCard `json:"customers"`
	Callers   []Caller       `json:"callers"`
	CallID    *int64         `json:"call_id,omitempty"`
	At        *time.Time     `json:"at,omitempty"`
}

// ScreenPop looks a number up within the caller's scope.
func (s *Service) ScreenPop(ctx context.Context, phone string) (*Pop, error) {
	n, ok := importer.Phone(phone)
	if !ok {
		var v apperr.Validation
		v.Add("phone", "电话号码格式不正确", "not a valid phone number")
		return nil, v.Err()
	}
	pop := &Pop{Phone: n, Customers: []CustomerCard{}, Callers: []Caller{}}
	p := perm.From(ctx)
	if p.Has("customer.read") {
		digits := strings.NewReplacer("-", "").Replace(n)
		list, _, err := s.customers.List(ctx, customer.Filter{Q: digits, Limit: 5})
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			card := CustomerCard{Customer: c, OpenTickets: []*ticket.Ticket{}, Interactions: []customer.Interaction{}, Ratings: []rating.Rating{}}
			if p.Has("rating.read") && s.ratings != nil {
				if card.Ratings, _, err = s.ratings.List(ctx, rating.Filter{CustomerID: c.ID, Limit: 5}); err != nil {
					return nil, err
				}
			}
			if p.Has("ticket.read") {
				if card.OpenTickets, _, _, err = s.tickets.List(ctx, ticket.Filter{CustomerID: c.ID, Open: true, Limit: 10}); err != nil {
					return nil, err
				}
			}
			its, err := s.customers.Interactions(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			if len(its) > 5 {
				its = its[:5]
			}
			card.Interactions = its
			pop.Customers = append(pop.Customers, card)
		}
	}
	// Staff calling from an outlet: find them regardless of the agent's user scope,
	// then show only what the agent may see of their org.
	staff, _, err := s.orgs.ListUsers(scope.With(ctx, scope.System()), org.UserFilter{Phone: n, Limit: 5})
	if err != nil {
		return nil, err
	}
	for _, u := range staff {
		o, err := s.orgs.GetOrg(ctx, u.OrgID)
		if err != nil {
			continue // the agent may not see this org
		}
		c := Caller{UserID: u.ID, Name: u.Name, OrgID: o.ID, OrgName: o.Name, Devices: []asset.Asset{}, OpenTickets: []*ticket.Ticket{}}
		if p.Has("asset.read") {
			if c.Devices, _, err = s.assets.List(ctx, asset.Filter{OrgID: o.ID, Limit: 50}); err != nil {
				return nil, err
			}
		}
		if p.Has("ticket.read") {
			if c.OpenTickets, _, _, err = s.tickets.List(ctx, ticket.Filter{OrgID: o.ID, Open: true, Limit: 20}); err != nil {
				return nil, err
			}
		}
		pop.Callers = append(pop.Callers, c)
	}
	return pop, nil
}

// CallInput is the PBX webhook's body.
type CallInput struct {
	Caller     string `json:"caller"`
	Callee     string `json:"callee"`
	AgentLogin string `json:"agent_login"`
}

// Call is a stored incoming call.
type Call struct {
	ID         int64     `db:"id" json:"id"`
	Caller     string    `db:"caller" json:"caller"`
	Callee     string    `db:"callee" json:"callee"`
	AgentID    int64     `db:"agent_id" json:"agent_id"`
	ReceivedAt time.Time `db:"received_at" json:"received_at"`
}

// RecordCall stores a call for the agent; the agent's event streams pick it up.
func (s *Service) RecordCall(ctx context.Context, in CallInput) (*Call, error) {
	var v apperr.Validation
	v.Required("caller", strings.TrimSpace(in.Caller))
	v.Required("agent_login", strings.TrimSpace(in.AgentLogin))
	if err := v.Err(); err != nil {
		return nil, err
	}
	agent, _, err := s.orgs.UserByLogin(scope.With(ctx, scope.System()), in.AgentLogin)
	if err != nil {
		v.Add("agent_login", "坐席账号不存在", "no such agent")
		return nil, v.Err()
	}
	c := &Call{Caller: strings.TrimSpace(in.Caller), Callee: strings.TrimSpace(in.Callee), AgentID: agent.ID, ReceivedAt: store.Now()}
	c.ID, err = s.db.InsertID(ctx, "INSERT INTO calls (caller, callee, agent_id, received_at) VALUES (?, ?, ?, ?) RETURNING id", c.Caller, c.Callee, c.AgentID, c.ReceivedAt)
	return c, err
}

// CallsSince returns the agent's calls after the given id, oldest first.
func (s *Service) CallsSince(ctx context.Context, agentID, afterID int64) ([]Call, error) {
	out := []Call{}
	err := s.db.Select(ctx, &out, "SELECT id, caller, callee, agent_id, received_at FROM calls WHERE agent_id = ? AND id > ? ORDER BY id LIMIT 20", agentID, afterID)
	return out, err
}

// LastCallID is where a new stream starts: only calls from now on are pushed.
func (s *Service) LastCallID(ctx context.Context, agentID int64) (int64, error) {
	var id int64
	err := s.db.Get(ctx, &id, "SELECT COALESCE(MAX(id), 0) FROM calls WHERE agent_id = ?", agentID)
	return id, err
}
