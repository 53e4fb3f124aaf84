module drip.example/gocheck

go 1.19
