// fault_test.go - the Go port decides exactly as harness/worker/fault.c:
// the golden values of tests/test_fault.c (test_decide_golden).
package goserve

import "testing"

func TestDecideGolden(t *testing.T) {
	want := [16]bool{false, false, true, true, false, true, true, false,
		false, false, false, false, true, false, false, false} // fires at 2, 3, 5, 6, 12
	h := PointHash("cache.miss")
	if h != 0xb42ddc9f023b0475 {
		t.Fatalf("PointHash(cache.miss) = %#x", h)
	}
	if g := PointHash(""); g != 0xf52a15e9a9b5e89b {
		t.Fatalf(`PointHash("") = %#x`, g)
	}
	for i := uint64(0); i < 16; i++ {
		if got := Fault(1, "cache.miss", i, 0.25); got != want[i] {
			t.Errorf("seed 1, cache.miss, iteration %d, rate 0.25: got %v", i, got)
		}
	}
	if u := Uniform(1, h, 0, 0); u != 0.63464792388896518 {
		t.Errorf("Uniform(1, h, 0, 0) = %.17g", u)
	}
	if u := Uniform(1, h, 2, 0); u != 0.11712135458018691 {
		t.Errorf("Uniform(1, h, 2, 0) = %.17g", u)
	}
}

func TestRateEdges(t *testing.T) {
	for i := uint64(0); i < 100; i++ {
		if Fault(3, "x", i, 0) || Fault(3, "x", i, -1) {
			t.Fatalf("rate <= 0 fired at %d", i)
		}
		if !Fault(3, "x", i, 1) {
			t.Fatalf("rate 1 did not fire at %d", i)
		}
	}
}
