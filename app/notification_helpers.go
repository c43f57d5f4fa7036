package app

import (
	"strconv"
	"time"
)

func itoaID(id int64) string { return strconv.FormatInt(id, 10) }

func parseInt64(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
