module example.com/app

go 1.19

require (
	example.com/localdep v0.0.0
	github.com/openhss-fixture/greet v1.4.2+incompatible
	rsc.io/quote v1.5.1
)

replace example.com/localdep => ../localdep

replace rsc.io/quote v1.5.1 => rsc.io/quote v1.5.2
