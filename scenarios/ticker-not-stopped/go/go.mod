module drip.example/ticker-not-stopped

go 1.19

require drip.example/goserve v0.0.0

replace drip.example/goserve => ../../goserve
