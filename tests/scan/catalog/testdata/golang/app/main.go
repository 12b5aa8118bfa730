package main

import (
	"fmt"

	"example.com/localdep"
	"github.com/openhss-fixture/greet"
	"rsc.io/quote"
)

func main() { fmt.Println(greet.Hello(), localdep.Name(), quote.Go()) }
