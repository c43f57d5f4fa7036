package notify

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/bitwobbly/bitwobbly/store"
)

// TestChannelDeliveriesUseTheChannelIndex: one channel's log (and its
// last delivery on /alerts) must walk that channel's deliveries, not
// every delivery of the team, or a quiet channel costs a full scan.
func TestChannelDeliveriesUseTheChannelIndex(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)),
		store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scenarios := []struct {
		name string
		q    DeliveryQuery
		want string
	}{
		{"last of a channel", DeliveryQuery{TeamID: 1, ChannelID: 2, Limit: 1}, "deliveries_channel"},
		{"page of a channel", DeliveryQuery{TeamID: 1, ChannelID: 2, Before: 900, Limit: 50}, "deliveries_channel"},
		{"team", DeliveryQuery{TeamID: 1, Limit: 50}, "deliveries_team"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			q, args := deliveriesSQL(sc.q)
			rows, err := st.R.Query("EXPLAIN QUERY PLAN "+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			joined := strings.Join(plan, "; ")
			if !strings.Contains(joined, "INDEX "+sc.want+" ") {
				t.Errorf("plan %q, want index %s", joined, sc.want)
			}
		})
	}
}
