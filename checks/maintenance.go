package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// Window is the timing of a maintenance window: one-off (Kind "once",
// StartsAt..EndsAt) or recurring (Kind "recurring": on the Weekdays
// bitmask, Sunday = 1<<0, at StartTime "HH:MM" in Timezone, for
// DurationMinutes).
type Window struct {
	Kind            string
	StartsAt        time.Time
	EndsAt          time.Time
	Weekdays        int
	StartTime       string
	DurationMinutes int
	Timezone        string
}

// WindowOf converts a maintenance row to its Window.
func WindowOf(w store.MaintenanceWindow) Window {
	return Window{Kind: w.Kind, StartsAt: store.Time(w.StartsAt), EndsAt: store.Time(w.EndsAt),
		Weekdays: w.Weekdays, StartTime: w.StartTime, DurationMinutes: w.DurationMinutes, Timezone: w.Timezone}
}

// MaintenanceActive reports whether the window covers now. A one-off
// window covers [StartsAt, EndsAt); a recurring one covers every
// occurrence [start, start+duration) whose local start day is in Weekdays,
// across daylight-saving changes. A malformed window is never active.
func MaintenanceActive(w Window, now time.Time) bool {
	start, _, ok := MaintenanceOccurrence(w, now)
	return ok && !start.After(now)
}

// MaintenanceOccurrence returns the occurrence of w that is in progress at
// now, or else the next one to come; ok is false when there is none.
func MaintenanceOccurrence(w Window, now time.Time) (start, end time.Time, ok bool) {
	if w.Kind != "recurring" {
		if w.StartsAt.IsZero() || !w.EndsAt.After(w.StartsAt) || !now.Before(w.EndsAt) {
			return time.Time{}, time.Time{}, false
		}
		return w.StartsAt, w.EndsAt, true
	}
	hh, mm, err := ParseClock(w.StartTime)
	if err != nil || w.DurationMinutes <= 0 || w.Weekdays&0x7f == 0 {
		return time.Time{}, time.Time{}, false
	}
	loc, err := time.LoadLocation(w.Timezone)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	dur := time.Duration(w.DurationMinutes) * time.Minute
	local := now.In(loc)
	back := w.DurationMinutes/1440 + 1
	for d := -back; d <= 7; d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, hh, mm, 0, 0, loc)
		if w.Weekdays&(1<<int(day.Weekday())) == 0 {
			continue
		}
		if end := day.Add(dur); end.After(now) {
			return day, end, true
		}
	}
	return time.Time{}, time.Time{}, false
}

// ParseClock parses "HH:MM" (24 h).
func ParseClock(s string) (int, int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, 0, fmt.Errorf("%q is not a time of day such as 02:30", s)
	}
	return hh, mm, nil
}
