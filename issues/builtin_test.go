package issues

import (
	"strings"
	"testing"
)

// Engine built-in frames (browser SDKs send them with in_app true) are not
// in-app and do not change the grouping.
func TestBuiltinFramesNotInAppNorGrouped(t *testing.T) {
	event := func(extra string) string {
		return `{"platform":"javascript","exception":{"values":[{"type":"TypeError","value":"x is undefined",
			"stacktrace":{"frames":[` + extra + `
			{"filename":"https://example.test/static/app.js","function":"render","lineno":10,"in_app":true}]}}]}}`
	}
	plain, err := DecodeEvent([]byte(event("")), testMeta)
	if err != nil {
		t.Fatal(err)
	}
	builtins := `{"filename":"<anonymous>","function":"Array.forEach","in_app":true},
		{"filename":"[native code]","function":"map","in_app":true},
		{"filename":"eval","function":"e","in_app":true},
		{"abs_path":"native","function":"Promise.then"},`
	withBuiltins, err := DecodeEvent([]byte(event(builtins)), testMeta)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range withBuiltins.Exceptions[0].Stacktrace.Frames {
		if f.InApp != strings.HasPrefix(f.Filename, "https://") {
			t.Errorf("frame %q %q in_app = %v", f.Filename, f.Function, f.InApp)
		}
	}
	if a, b := plain.Group(nil).Hash, withBuiltins.Group(nil).Hash; a != b {
		t.Errorf("built-in frames changed the grouping: %s vs %s", a, b)
	}
	if withBuiltins.Culprit != plain.Culprit {
		t.Errorf("culprit %q, want %q", withBuiltins.Culprit, plain.Culprit)
	}
	// A Python file name without a path stays in-app.
	py, err := DecodeEvent([]byte(`{"platform":"python","exception":{"values":[{"type":"E","stacktrace":
		{"frames":[{"filename":"app.py","function":"main"}]}}]}}`), testMeta)
	if err != nil {
		t.Fatal(err)
	}
	if !py.Exceptions[0].Stacktrace.Frames[0].InApp {
		t.Error("a Python frame without a path is not in-app")
	}
}
