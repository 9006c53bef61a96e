package pools

import "github.com/multipool/multipool/coins/pow"

// merkleBranch returns the hashes a miner needs to fold the coinbase hash
// into the merkle root, given the other transactions' txids (internal byte
// order, template order). The coinbase sits at index 0 of the tree.
func merkleBranch(txids [][32]byte) [][32]byte {
	if len(txids) == 0 {
		return nil
	}
	// level holds the current tree level with the coinbase's ancestor at
	// index 0 left out: level[i] is the node at index i+1.
	level := append([][32]byte(nil), txids...)
	var branch [][32]byte
	var buf [64]byte
	for len(level) > 0 {
		branch = append(branch, level[0])
		rest := level[1:]
		// The next level: pairs of the remaining nodes (indexes 2,3 / 4,5 ...).
		// Odd counts pair the last node with itself, as Bitcoin does.
		next := make([][32]byte, 0, (len(rest)+1)/2)
		for i := 0; i < len(rest); i += 2 {
			copy(buf[:32], rest[i][:])
			if i+1 < len(rest) {
				copy(buf[32:], rest[i+1][:])
			} else {
				copy(buf[32:], rest[i][:])
			}
			var h [32]byte
			pow.Sha256d(&h, buf[:])
			next = append(next, h)
		}
		level = next
	}
	return branch
}

// merkleRoot computes the root of a full list of txids (coinbase first),
// the reference the branch is tested against.
func merkleRoot(txids [][32]byte) [32]byte {
	level := append([][32]byte(nil), txids...)
	var buf [64]byte
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([][32]byte, len(level)/2)
		for i := range next {
			copy(buf[:32], level[2*i][:])
			copy(buf[32:], level[2*i+1][:])
			pow.Sha256d(&next[i], buf[:])
		}
		level = next
	}
	return level[0]
}
