// Command argocd runs the two roles of Argo CD the e2e needs, the application controller and the repo server,
// chosen as Argo CD's own binary chooses: by ARGOCD_BINARY_NAME, else by the name it was started under. Argo CD's
// own main (github.com/argoproj/argo-cd/v3/cmd) links every role, with the API server, the CLI, Dex, the
// notifications and the ApplicationSet controller; building only these two compiles about a quarter fewer
// packages on a new machine.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	appcontroller "github.com/argoproj/argo-cd/v3/cmd/argocd-application-controller/commands"
	reposerver "github.com/argoproj/argo-cd/v3/cmd/argocd-repo-server/commands"
	"github.com/argoproj/argo-cd/v3/util/log"
)

func main() {
	// As Argo CD's main does: the Kubernetes libraries log through Argo CD's logger.
	klog.SetLogger(log.NewLogrusLogger(log.NewWithCurrentConfig()))
	role := os.Getenv("ARGOCD_BINARY_NAME")
	if role == "" {
		role = filepath.Base(os.Args[0])
	}
	var command *cobra.Command
	switch role {
	case "argocd-application-controller":
		command = appcontroller.NewCommand()
	case "argocd-repo-server":
		command = reposerver.NewCommand()
	default:
		fmt.Fprintf(os.Stderr, "argocd: unknown role %q: set ARGOCD_BINARY_NAME to argocd-application-controller or argocd-repo-server\n", role)
		os.Exit(2)
	}
	if err := command.Execute(); err != nil {
		os.Exit(1)
	}
}
