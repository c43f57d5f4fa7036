package views

// UptimeLabel words an uptime figure for a legend: "99.95% uptime", or
// "no data" when there were no checks.
func UptimeLabel(u string) string {
	if u == "" || u == "no data" {
		return "no data"
	}
	return u + " uptime"
}
