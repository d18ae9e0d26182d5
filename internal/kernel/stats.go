package kernel

import (
	"regexp"
	"strconv"
	"time"
)

// VerifierStats is what the kernel's verifier reports about one program
// with BPF_LOG_STATS.
type VerifierStats struct {
	Time       time.Duration // "verification time"
	Processed  int           // instructions processed over all paths
	TotalState int
	PeakStates int
}

var (
	statsTime      = regexp.MustCompile(`verification time (\d+) usec`)
	statsProcessed = regexp.MustCompile(`processed (\d+) insns .*total_states (\d+) peak_states (\d+)`)
)

// parseStats reads the statistics lines of a verifier log.
func parseStats(log string) (VerifierStats, bool) {
	var s VerifierStats
	m := statsTime.FindStringSubmatch(log)
	p := statsProcessed.FindStringSubmatch(log)
	if m == nil || p == nil {
		return s, false
	}
	us, _ := strconv.Atoi(m[1])
	s.Time = time.Duration(us) * time.Microsecond
	s.Processed, _ = strconv.Atoi(p[1])
	s.TotalState, _ = strconv.Atoi(p[2])
	s.PeakStates, _ = strconv.Atoi(p[3])
	return s, true
}
