// Command-line tool for inspecting cluster resources.
module github.com/example/kubeinspect

go 1.21

toolchain go1.21.5

require github.com/spf13/cobra v1.8.0

require (
	github.com/sirupsen/logrus v1.9.3
	gopkg.in/yaml.v3 v3.0.1
	k8s.io/client-go v0.28.4
	"github.com/Masterminds/semver/v3" v3.2.1
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
	golang.org/x/sys v0.15.0 // indirect; pinned for CVE fixes
)

replace k8s.io/client-go => k8s.io/client-go v0.28.3

replace (
	github.com/sirupsen/logrus v1.9.3 => ../logrus
	golang.org/x/sys v0.14.0 => golang.org/x/sys v0.13.0
)

exclude golang.org/x/net v0.17.0

retract [v0.1.0, v0.1.2] // published by mistake
