// Command cvm-sdkgen-dotnet writes the .NET SDK of a Pulumi package schema with Pulumi's C# code
// generator, as cvm-sdkgen (..) does for Go and Python. That generator left Pulumi's pkg module
// after v3.228.0 for pulumi-language-dotnet's own module, which the Go module proxy this project
// reaches does not serve; v3.228.0's copy (deprecated there, frozen at the move) is the one this
// builds with. Its options (CSharpPackageInfo) are the same as the moved code's.
//
//	cvm-sdkgen-dotnet -schema schema.json -language dotnet -out DIR
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"

	dotnetgen "github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// offlineLogo answers the one download the generator makes: the package logo it puts beside the
// .csproj (the schema's logoUrl, else Pulumi's logo on GitHub; the same in pulumi-language-dotnet),
// with a 1×1 PNG of its own, for a machine without that network. Any other request fails.
type offlineLogo struct{}

func (offlineLogo) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, ".png") {
		return nil, fmt.Errorf("no network here for %s %s", req.Method, req.URL)
	}
	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"image/png"}},
		Body:       io.NopCloser(&logo),
		Request:    req,
	}, nil
}

func main() {
	http.DefaultTransport = offlineLogo{}
	run(map[string]generator{
		"dotnet": func(pkg *schema.Package) (map[string][]byte, error) {
			return dotnetgen.GeneratePackage("pulumi-language-dotnet", pkg, nil, nil)
		},
	})
}
