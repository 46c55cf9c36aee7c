package storetest

import (
	"testing"
	"time"
)

// ReportPhases reports the mean time of each phase of a benchmark over its
// b.N runs, in ms per run, as metrics named "ms/<phase>", and the sum of all
// phases as "ms/<sum>". total[i] is the time phase[i] took over all runs.
func ReportPhases(b *testing.B, phases []string, total []time.Duration, sum string) {
	b.Helper()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	var all time.Duration
	for i, name := range phases {
		b.ReportMetric(ms(total[i]), "ms/"+name)
		all += total[i]
	}
	b.ReportMetric(ms(all), "ms/"+sum)
}
