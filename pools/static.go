package pools

import (
	"context"

	"github.com/multipool/multipool/coins/daemon"
)

// StaticDaemon serves one fixed block template and accepts no blocks. It
// is for load tests of the share path (`multipool bench-pool`): with a
// captured template whose bits are set to a real network's difficulty, no
// random share is a block, so a load test measures validation rather than
// block submission. Addresses are all taken as valid.
type StaticDaemon struct {
	Template *daemon.BlockTemplate
}

// GetBlockTemplate returns the fixed template.
func (d StaticDaemon) GetBlockTemplate(context.Context, []string) (*daemon.BlockTemplate, error) {
	return d.Template, nil
}

// SubmitBlock rejects every block: there is no chain behind the template.
func (StaticDaemon) SubmitBlock(context.Context, string) daemon.SubmitResult {
	return daemon.SubmitResult{Reason: "static template: no chain"}
}

// ValidateAddress accepts every address.
func (StaticDaemon) ValidateAddress(context.Context, string) (bool, error) { return true, nil }
