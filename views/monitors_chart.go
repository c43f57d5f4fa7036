package views

import (
	"context"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	"github.com/a-h/templ"
)

// MonitorChartPoint is one bucket of a response-time chart.
type MonitorChartPoint struct {
	At        time.Time
	LatencyMS int64 // -1: no data (a gap)
	Failures  int
	Checks    int
}

// MonitorDay is one day of the 90-day uptime bars.
type MonitorDay struct {
	Day       time.Time
	Checks    int
	Failures  int
	Degraded  int
	Incidents int
}

// Class is the bar's colour class: the day's worst state.
func (d MonitorDay) Class() string {
	switch {
	case d.Checks == 0:
		return "none"
	case d.Failures > 0:
		return "down"
	case d.Degraded > 0:
		return "degraded"
	}
	return "up"
}

// Uptime is the day's uptime text.
func (d MonitorDay) Uptime() string {
	if d.Checks == 0 {
		return "no data"
	}
	return MonitorPercent(float64(d.Checks-d.Failures)/float64(d.Checks)*100) + " uptime"
}

// MonitorPercent formats an uptime percentage with the precision it deserves.
func MonitorPercent(p float64) string {
	switch {
	case p >= 100:
		return "100%"
	case p >= 99.9:
		return fmt.Sprintf("%.3f%%", p)
	default:
		return fmt.Sprintf("%.2f%%", p)
	}
}

func monRawSVG(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	})
}

// MonitorResponseChart draws latency over [from, to) with labelled axes, gaps
// where there was no data, and failing buckets shaded.
func MonitorResponseChart(points []MonitorChartPoint, from, to time.Time) templ.Component {
	const w, h, left, right, top, bottom = 800.0, 220.0, 84.0, 10.0, 10.0, 30.0
	span := to.Sub(from).Seconds()
	if span <= 0 {
		span = 1
	}
	var maxMS int64 = 1
	for _, p := range points {
		maxMS = max(maxMS, p.LatencyMS)
	}
	maxMS = monNiceCeil(maxMS)
	x := func(t time.Time) float64 { return left + (w-left-right)*t.Sub(from).Seconds()/span }
	y := func(ms int64) float64 { return top + (h-top-bottom)*(1-float64(ms)/float64(maxMS)) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart mon-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="Response time from %s to %s">`,
		w, h, Exact(from), Exact(to))
	bw := (w - left - right) / float64(max(len(points), 1))
	for _, p := range points {
		if p.Failures > 0 {
			fmt.Fprintf(&b, `<rect class="down-band" x="%.1f" y="%.0f" width="%.1f" height="%.0f"><title>%s: %d of %d checks failed</title></rect>`,
				x(p.At), top, max(bw, 1.5), h-top-bottom, html.EscapeString(Exact(p.At)), p.Failures, p.Checks)
		}
	}
	for i := 0; i <= 4; i++ {
		v := maxMS * int64(i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&b, `<text class="axis%s" x="%.0f" y="%.1f" text-anchor="end">%s</text>`, minor(i), left-6, y(v)+4,
			monMSLabel(v))
	}
	for i := 0; i <= 4; i++ {
		t := from.Add(time.Duration(float64(to.Sub(from)) * float64(i) / 4))
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == 4 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="tick%s" x="%.1f" y="%.0f" text-anchor="%s">%s</text>`, minor(i), x(t), h-8, anchor,
			monTickLabel(t, to.Sub(from)))
	}
	var seg []string
	flush := func() {
		if len(seg) > 1 {
			fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(seg, " "))
		} else if len(seg) == 1 {
			var px, py float64
			fmt.Sscanf(seg[0], "%f,%f", &px, &py)
			fmt.Fprintf(&b, `<circle class="line" cx="%.1f" cy="%.1f" r="1.5"/>`, px, py)
		}
		seg = seg[:0]
	}
	for _, p := range points {
		if p.LatencyMS < 0 {
			flush()
			continue
		}
		seg = append(seg, fmt.Sprintf("%.1f,%.1f", x(p.At)+bw/2, y(p.LatencyMS)))
	}
	flush()
	b.WriteString(`</svg>`)
	return monRawSVG(b.String())
}

// minor marks the ticks hidden on narrow screens.
func minor(i int) string {
	if i%2 == 1 {
		return " minor"
	}
	return ""
}

func monNiceCeil(v int64) int64 {
	for _, n := range []int64{4, 8, 20, 40, 80, 100, 200, 400, 800, 1000, 2000, 4000, 8000, 10000, 20000, 40000, 60000} {
		if v <= n {
			return n
		}
	}
	return (v/60000 + 1) * 60000
}

func monMSLabel(ms int64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	}
	return fmt.Sprintf("%d ms", ms)
}

func monTickLabel(t time.Time, span time.Duration) string {
	if span <= 36*time.Hour {
		return t.UTC().Format("15:04")
	}
	return t.UTC().Format("Jan 2")
}

// MonitorUptimeBars draws one bar per day, coloured by the day's worst state,
// each with a title giving the date, uptime and incidents.
func MonitorUptimeBars(days []MonitorDay) templ.Component {
	const gap = 2.0
	n := max(len(days), 1)
	bw := (900.0 - gap*float64(n-1)) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bars" viewBox="0 0 900 34" preserveAspectRatio="none" role="img" aria-label="Uptime per day for the last %d days">`, len(days))
	for i, d := range days {
		title := d.Day.Format("Mon Jan 2, 2006") + " · " + d.Uptime()
		if d.Failures > 0 {
			title += fmt.Sprintf(" · %d failed checks", d.Failures)
		}
		if d.Incidents > 0 {
			title += fmt.Sprintf(" · %d incidents", d.Incidents)
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%.2f" y="0" width="%.2f" height="34" rx="1.5"><title>%s</title></rect>`,
			d.Class(), float64(i)*(bw+gap), bw, html.EscapeString(title))
	}
	b.WriteString(`</svg>`)
	return monRawSVG(b.String())
}

// MonitorSparkline draws a small latency line (values -1 are gaps).
func MonitorSparkline(values []int64, label string) templ.Component {
	const w, h = 120.0, 28.0
	var maxV int64 = 1
	for _, v := range values {
		maxV = max(maxV, v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, html.EscapeString(label))
	step := w / float64(max(len(values)-1, 1))
	var pts []string
	flush := func() {
		switch {
		case len(pts) > 1:
			fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(pts, " "))
		case len(pts) == 1:
			// A lone value (a new monitor, or one between gaps) is a
			// short tick, so a monitor with data never shows nothing.
			var x, y float64
			fmt.Sscanf(pts[0], "%f,%f", &x, &y)
			x0, x1 := max(x-2, 0), min(x+2, w)
			fmt.Fprintf(&b, `<polyline class="line" points="%.1f,%.1f %.1f,%.1f"/>`, x0, y, x1, y)
		}
		pts = pts[:0]
	}
	for i, v := range values {
		if v < 0 {
			flush()
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", float64(i)*step, 2+(h-4)*(1-float64(v)/float64(maxV))))
	}
	flush()
	b.WriteString(`</svg>`)
	return monRawSVG(b.String())
}
