// The part of cvm-sdkgen that both of its builds share (dotnet/common.go links here): read a
// schema, bind it as the CLI does, hand it over as JSON, bind it again as a language host does,
// write what a generator returns.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// A generator is a language's GeneratePackage, as its language host calls it.
type generator func(pkg *schema.Package) (map[string][]byte, error)

// noPackages answers every request for another package with an error: this package's schema
// refers to none, so a load means the schema changed in a way this check must hear about.
type noPackages struct{}

var errNoPackages = errors.New("the schema refers to another package; this generator loads none")

func (noPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoPackages
}

func (noPackages) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoPackages
}

// bind binds a schema the way the CLI and the language hosts do (dangling references allowed).
func bind(spec schema.PackageSpec) (*schema.Package, error) {
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return pkg, nil
}

// load returns the package as a language host receives it: bound by the CLI, sent as JSON
// (schema.Package.MarshalJSON), bound again.
func load(schemaPath string) (*schema.Package, error) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, err := bind(spec)
	if err != nil {
		return nil, fmt.Errorf("binding the schema: %w", err)
	}
	wire, err := pkg.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var sent schema.PackageSpec
	if err := json.Unmarshal(wire, &sent); err != nil {
		return nil, err
	}
	if pkg, err = bind(sent); err != nil {
		return nil, fmt.Errorf("binding the schema as the language host receives it: %w", err)
	}
	return pkg, nil
}

func write(out string, files map[string][]byte) error {
	for name, content := range files {
		target := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// run parses the command line and writes the SDK of the chosen language.
func run(generators map[string]generator) {
	names := make([]string, 0, len(generators))
	for name := range generators {
		names = append(names, name)
	}
	sort.Strings(names)
	schemaPath := flag.String("schema", "", "the package schema (JSON), e.g. from `pulumi package get-schema`")
	language := flag.String("language", "", strings.Join(names, " or "))
	out := flag.String("out", "", "the directory to write the SDK into")
	flag.Parse()
	gen, ok := generators[*language]
	if *schemaPath == "" || *out == "" || !ok {
		flag.Usage()
		os.Exit(2)
	}
	err := func() error {
		pkg, err := load(*schemaPath)
		if err != nil {
			return err
		}
		files, err := gen(pkg)
		if err != nil {
			return fmt.Errorf("generating the %s SDK: %w", *language, err)
		}
		return write(*out, files)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cvm-sdkgen:", err)
		os.Exit(1)
	}
}
