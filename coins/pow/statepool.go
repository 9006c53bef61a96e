package pow

import "sync"

// summer is a hasher state that keeps scratch space between hashes and so
// is not safe for concurrent use.
type summer interface {
	sum(dst *[32]byte, header []byte)
}

// statePool lends states of one algorithm, one per hash in progress: no
// two shares hashed at once share a state, and a warm pool allocates
// nothing.
type statePool[S summer] struct {
	pool  sync.Pool
	fresh func() S
}

func newStatePool[S summer](fresh func() S) *statePool[S] {
	p := &statePool[S]{fresh: fresh}
	p.pool.New = func() any { return fresh() }
	return p
}

// hash is the algorithm's HashFunc: it hashes header with a borrowed state.
func (p *statePool[S]) hash(dst *[32]byte, header []byte) {
	s := p.pool.Get().(S)
	s.sum(dst, header)
	p.pool.Put(s)
}
