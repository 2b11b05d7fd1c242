package notify

// Ticket collaboration notices (R-TKT-06): comments and status changes for a
// ticket's watchers, @mentions for the mentioned. Kept in their own file so
// the ticket kinds sit apart from the SLA and rating ones.

// Ticket kinds.
const (
	KindTicketComment = "ticket.comment"
	KindTicketMention = "ticket.mention"
	KindTicketStatus  = "ticket.status"
)

func init() {
	Kinds = append(Kinds, KindTicketComment, KindTicketMention, KindTicketStatus)
	Variables = append(Variables,
		Variable{"actor", "操作人（评论人、改状态的人）"},
		Variable{"comment", "评论内容（摘录）"},
		Variable{"visibility", "评论可见范围（公开 / 内部）"},
		Variable{"status", "新状态"},
		Variable{"from_status", "原状态"},
	)
	defaultTemplates[KindTicketComment] = Template{Kind: KindTicketComment, Name: "关注的工单有新评论",
		Subject: "工单 {{ticket_number}} 有新评论",
		Body:    "{{actor}} 评论了您关注的工单 {{ticket_number}}「{{ticket_title}}」（{{visibility}}）：{{comment}}"}
	defaultTemplates[KindTicketMention] = Template{Kind: KindTicketMention, Name: "评论中提到了我",
		Subject: "{{actor}} 在工单 {{ticket_number}} 中提到了您",
		Body:    "{{actor}} 在工单 {{ticket_number}}「{{ticket_title}}」的评论中提到了您：{{comment}}"}
	defaultTemplates[KindTicketStatus] = Template{Kind: KindTicketStatus, Name: "关注的工单状态变化",
		Subject: "工单 {{ticket_number}} 已变为「{{status}}」",
		Body:    "{{actor}} 将您关注的工单 {{ticket_number}}「{{ticket_title}}」从「{{from_status}}」改为「{{status}}」。"}
}

// isPersonalKind says whether a kind goes to its named users only: ticket
// notices carry comment text (internal ones too), and robots and webhooks
// have no data scope to check it against.
func isPersonalKind(kind string) bool {
	return kind == KindTicketComment || kind == KindTicketMention || kind == KindTicketStatus
}
