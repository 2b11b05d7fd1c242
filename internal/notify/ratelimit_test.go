package notify

import (
	"context"
	"testing"
	"time"
)

// A channel's rate limit spaces sends: 50 per second with a burst of 50
// takes about 200 ms for 60 messages; a stopping worker stops waiting.
func TestRateLimit(t *testing.T) {
	b := newBucket(50)
	start := time.Now()
	for range 60 {
		if err := b.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Fatalf("60 tokens at 50/s took %v", d)
	}
	slow := newBucket(0.1)
	_ = slow.wait(context.Background()) // the burst of one
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := slow.wait(ctx); err == nil {
		t.Fatal("waited for a token past the context's end")
	}
}

func TestBackoff(t *testing.T) {
	s := &Service{cfg: Config{RetryBase: time.Second, RetryMax: time.Minute}}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 10: time.Minute} {
		if d := s.backoff(attempt); d < want*9/10 || d > want*11/10 {
			t.Errorf("attempt %d: back-off %v, want about %v", attempt, d, want)
		}
	}
}
