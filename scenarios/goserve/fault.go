// fault.go - deterministic fault decisions, the same as Drip's.
//
// A port of harness/worker/fault.c: whether fault point P fires at
// iteration i of a run with seed S is a pure function of (S, P, i), so a
// Go program given the same seed fails the same requests as the C analog
// run by Drip at that seed (its first ask of P in the iteration, k = 0).
// The iteration comes from the request (?i={iteration}), never from
// timing or arrival order.
package goserve

// mix64 is splitmix64's finaliser: a bijective mix with good avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// PointHash returns the hash of a fault point's name (FNV-1a, then mixed),
// drip_fault_point_hash in C.
func PointHash(point string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(point); i++ {
		h ^= uint64(point[i])
		h *= 0x100000001b3
	}
	return mix64(h)
}

// Uniform returns a number in [0, 1) drawn from (seed, point, iteration,
// k), drip_fault_uniform in C.
func Uniform(seed, pointHash, iteration, k uint64) float64 {
	x := mix64(seed + 0x9e3779b97f4a7c15)
	x = mix64(x ^ pointHash)
	x = mix64(x ^ (iteration * 0x9e3779b97f4a7c15))
	x = mix64(x ^ (k+1)*0xd1b54a32d192ed03)
	return float64(x>>11) * (1.0 / (1 << 53))
}

// Fault reports whether point fires at iteration i with probability rate
// (the first ask in the iteration), for seed.  rate <= 0 never fires,
// rate >= 1 always does.
func Fault(seed uint64, point string, i uint64, rate float64) bool {
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	return Uniform(seed, PointHash(point), i, 0) < rate
}
