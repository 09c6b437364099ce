package main

import (
	"fmt"

	"example.com/lib"
	"github.com/acme/colour"
	"github.com/acme/greet"
)

func main() {
	fmt.Println(greet.Greet(), colour.Red(), lib.Name())
}
