package lib

// Name names the library.
func Name() string { return "lib" }
