// Command consul runs `consul agent` and `consul version` only: what the tests need, without the
// rest of Consul's CLI, so a cold build compiles fewer packages. Flags are Consul's own.
package main

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/hashicorp/consul/command/agent"
	"github.com/hashicorp/consul/command/cli"
	"github.com/hashicorp/consul/command/version"
	"github.com/hashicorp/consul/lib"
	mcli "github.com/mitchellh/cli"
)

func main() {
	lib.SeedMathRand()
	// Consul's libraries log through the standard logger; the agent has its own.
	log.SetOutput(io.Discard)
	ui := &cli.BasicUI{BasicUi: mcli.BasicUi{Writer: os.Stdout, ErrorWriter: os.Stderr}}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: consul agent [flags] | consul version")
		os.Exit(1)
	}
	switch os.Args[1] {
	case "agent":
		os.Exit(agent.New(ui).Run(os.Args[2:]))
	case "version", "-v", "--version":
		os.Exit(version.New(ui).Run(nil))
	default:
		fmt.Fprintf(os.Stderr, "consul: only agent and version are built here, not %q\n", os.Args[1])
		os.Exit(1)
	}
}
