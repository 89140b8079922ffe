// Package heappeak measures the peak live heap of a piece of work, for the
// benchmarks that report memory (peak-heap-MB): the periodic reports and
// exports, and the refusal of hostile uploads.
package heappeak

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// Of samples the live heap every 5 ms while fn runs and returns the peak
// above the level before it, in MB.
func Of(fn func()) float64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > peak {
				peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	if peak < base {
		return 0
	}
	return float64(peak-base) / (1 << 20)
}
