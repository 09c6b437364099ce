package colour

// Red is a colour.
func Red() string { return "red" }
