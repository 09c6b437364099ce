// A fork of github.com/acme/colour published under another path.
module github.com/acme/colour

go 1.19
