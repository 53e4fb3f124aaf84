module drip.example/goserve

go 1.19
