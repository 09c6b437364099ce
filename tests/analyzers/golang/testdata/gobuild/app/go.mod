module example.com/app

go 1.19

require (
	example.com/lib v1.2.3
	github.com/acme/colour v1.0.0
	github.com/acme/greet v1.4.2
)

replace example.com/lib => ./lib

replace github.com/acme/colour => github.com/acme/color v1.1.0
