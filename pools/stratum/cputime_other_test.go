//go:build !unix

package stratum

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }
