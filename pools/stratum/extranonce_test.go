package stratum

import (
	"errors"
	"sync"
	"testing"
)

func TestExtranonceAllocator(t *testing.T) {
	a := NewExtranonceAllocator(0xab)
	first, err := a.Allocate()
	if err != nil || first != [4]byte{0xab, 0, 0, 0} {
		t.Fatalf("first %x %v", first, err)
	}
	second, _ := a.Allocate()
	if second != [4]byte{0xab, 0, 0, 1} {
		t.Fatalf("second %x", second)
	}
	a.Release([4]byte{0xcd, 0, 0, 1}) // another instance's value: ignored
	if a.InUse() != 2 {
		t.Fatalf("in use %d", a.InUse())
	}
	a.Release(first)
	if a.InUse() != 1 {
		t.Fatalf("in use %d after release", a.InUse())
	}
}

func TestExtranonceWrapSkipsLiveValues(t *testing.T) {
	a := NewExtranonceAllocator(1)
	a.space = 4
	var got [][4]byte
	for range 4 {
		en, err := a.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, en)
	}
	if _, err := a.Allocate(); !errors.Is(err, ErrExtranonceExhausted) {
		t.Fatalf("fifth allocation: %v", err)
	}
	a.Release(got[2])
	en, err := a.Allocate()
	if err != nil || en != got[2] {
		t.Fatalf("after wrap got %x %v, want the freed %x", en, err, got[2])
	}
	a.Release(got[0])
	a.Release(got[3])
	// The counter goes on from where it was: 3 is next, then 0.
	for _, want := range [][4]byte{got[3], got[0]} {
		if en, _ := a.Allocate(); en != want {
			t.Fatalf("got %x, want %x", en, want)
		}
	}
}

func TestExtranonceConcurrent(t *testing.T) {
	a := NewExtranonceAllocator(2)
	var mu sync.Mutex
	seen := map[[4]byte]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				en, err := a.Allocate()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[en] {
					t.Errorf("%x handed out twice", en)
				}
				seen[en] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if a.InUse() != 4000 {
		t.Fatalf("in use %d", a.InUse())
	}
}
