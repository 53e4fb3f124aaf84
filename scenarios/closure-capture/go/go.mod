module drip.example/closure-capture

go 1.19

require drip.example/goserve v0.0.0

replace drip.example/goserve => ../../goserve
