"""Go: module build information embedded in Go executables, go.mod and go.sum."""
