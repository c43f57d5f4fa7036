package app

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/secrets"
)

// FuzzMonitorForm feeds arbitrary form values through the form parser and
// validation: the answer is a monitor spec or a 400 naming a field, never
// a panic or another error.
func FuzzMonitorForm(f *testing.F) {
	f.Add("Shop", "http", "https://shop.example/", "60", "X-Key: 1", "200-299, 301", "data.items.#", "gt", "0", "", "")
	f.Add("Job", "push", "", "3600", "", "", "", "", "", "0 3 * * *", "Europe/Berlin")
	f.Add("", "dns", "example.com", "x", "bad header", "2xx", "a.(b", "lt", "x", "61 * * * *", "Mars/Base")
	box, _ := secrets.New(bytes.Repeat([]byte{1}, 32))
	s := &Server{box: box}
	f.Fuzz(func(t *testing.T, name, typ, target, interval, headers, codes, path, op, value, cron, tz string) {
		form := url.Values{"name": {name}, "type": {typ}, "url": {target}, "target": {target},
			"interval_seconds": {interval}, "headers": {headers}, "accepted_status_codes": {codes},
			"json_path_1": {path}, "json_op_1": {op}, "json_value_1": {value}, "push_cron": {cron},
			"push_timezone": {tz}, "expect": {value}, "bearer_token": {value}}
		in, err := inputFromForm(form, monitorInput{})
		if err == nil {
			_, err = s.specOf(in)
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Status != http.StatusBadRequest) {
			t.Errorf("form %v: %v", form, err)
		}
	})
}
