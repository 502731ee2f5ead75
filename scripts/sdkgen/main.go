// Command cvm-sdkgen writes the Go or Python SDK of a Pulumi package schema with Pulumi's own code
// generators, pkg/codegen/go and pkg/codegen/python at the version of the Pulumi CLI (go.mod),
// the way `pulumi package gen-sdk` and `pulumi package add` do through a language host: the CLI
// binds the schema and sends it to the host as JSON (pkg/cmd/pulumi/packages: GenSDK; `package
// add` also sets SupportPack, which this package's schema sets itself), and the host binds it
// again and calls GeneratePackage (the GeneratePackage methods of sdk/go/pulumi-language-go and
// sdk/python/cmd/pulumi-language-python). This does the same for a machine with neither host.
// The .NET generator is another build (dotnet/).
//
//	cvm-sdkgen -schema schema.json -language go|python -out DIR
package main

import (
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	run(map[string]generator{
		"go": func(pkg *schema.Package) (map[string][]byte, error) {
			return gogen.GeneratePackage("pulumi-language-go", pkg, nil)
		},
		"python": func(pkg *schema.Package) (map[string][]byte, error) {
			return pygen.GeneratePackage("pulumi-language-python", pkg, nil, noPackages{})
		},
	})
}
