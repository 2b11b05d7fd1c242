package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lingting/internal/app"
	"lingting/internal/config"
	"lingting/internal/notify"
	"lingting/internal/notify/notifytest"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// BenchmarkDelivery measures delivery end to end: b.N events in the outbox
// (with their River deliver jobs), then one process's job workers claim,
// send and record them all — to the local SMTP server (one e-mail per
// event) or to a local webhook receiver that checks every signature. msgs/s
// is the figure of docs/PERFORMANCE.md.
//
//	go test -run - -bench BenchmarkDelivery -benchtime 3000x ./internal/notify/
func BenchmarkDelivery(b *testing.B) {
	for _, engine := range testutil.Engines(b) {
		for _, channel := range []string{notify.ChannelEmail, notify.ChannelWebhook} {
			b.Run(engine+"/"+channel, func(b *testing.B) {
				sink, err := notifytest.NewSMTPSink()
				if err != nil {
					b.Fatal(err)
				}
				defer sink.Stop()
				hook := notifytest.NewWebhookReceiver("bench-secret")
				defer hook.Close()
				cfg := config.Config{Addr: "127.0.0.1:0", DatabaseURL: testutil.DatabaseURL(b, engine), AdminLogin: "admin", AdminPassword: testutil.AdminPassword,
					LogLevel: "error", LogFormat: "text", LoginRate: 1000, SMTPHost: "127.0.0.1", SMTPPort: sink.Port(), SMTPTLS: "none", SMTPFrom: "bench@lingting.example"}
				a, err := app.New(context.Background(), cfg, app.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer a.Close()
				ctx := scope.With(context.Background(), scope.System())
				var users []int64
				if channel == notify.ChannelEmail {
					o, err := a.Orgs.CreateOrg(ctx, org.OrgInput{Kind: org.KindVendor, Code: "V", Name: "维保"})
					if err != nil {
						b.Fatal(err)
					}
					u, err := a.Orgs.SeedUser(ctx, org.UserInput{Login: "eng", Name: "工程师", OrgID: o.ID, Password: "Eng@2026xx", Email: "eng@example.com"})
					if err != nil {
						b.Fatal(err)
					}
					users = []int64{u.ID}
				} else {
					url, secret := hook.URL, "bench-secret"
					if _, err := a.Notify.SaveEndpoint(ctx, 0, notify.EndpointInput{Name: "hook", Kind: notify.ChannelWebhook, URL: &url, Secret: &secret}); err != nil {
						b.Fatal(err)
					}
				}
				evs := make([]notify.Event, b.N)
				for i := range evs {
					evs[i] = notify.Event{Key: fmt.Sprintf("bench:%d", i), Kind: notify.KindSLAEscalation, Level: 1, Users: users,
						Vars: map[string]string{"ticket_number": fmt.Sprintf("GD20261122-%06d", i), "target": "解决", "overdue_hours": "1.0", "level": "1"}}
				}
				for lo := 0; lo < len(evs); lo += 1000 {
					err := a.DB.WithTx(ctx, func(ctx context.Context) error {
						_, err := a.Notify.EnqueueMany(ctx, evs[lo:min(lo+1000, len(evs))])
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				// The events' deliver jobs were inserted with them; the workers
				// (River, 16 at once, as in production) start now.
				b.ResetTimer()
				start := time.Now()
				run, stop := context.WithCancel(context.Background())
				a.StartWorkers(run)
				delivered := func() int {
					if channel == notify.ChannelEmail {
						return sink.Count()
					}
					return hook.Count()
				}
				for delivered() < b.N && time.Since(start) < 5*time.Minute {
					time.Sleep(5 * time.Millisecond)
				}
				elapsed := time.Since(start)
				b.StopTimer()
				stop()
				if got := delivered(); got != b.N {
					b.Fatalf("%d delivered of %d", got, b.N)
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			})
		}
	}
}
