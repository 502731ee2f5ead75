"""What can be checked of a generated Python SDK without its dependencies (`pulumi` cannot be
installed here): every file compiles, every relative import names a module of the package, and
what the resource classes mark secret. Prints one JSON object:

  {"errors": [...], "resources": {class: {"base": ..., "secretInputs": [...],
   "additionalSecretOutputs": [...]}}, "exports": [...], "pyproject": {...}}

  python3 python-sdk.py SDK_DIR PACKAGE [PROGRAM]

With PROGRAM, also "programErrors": what the program uses that the SDK does not define.
"""

import ast
import json
import pathlib
import py_compile
import sys
import tomllib

RESOURCE_BASES = {"pulumi.CustomResource", "pulumi.ProviderResource"}


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def module_exists(package_dir, parts):
    """parts: path segments below the package root; a module file or a package directory."""
    target = package_dir.joinpath(*parts)
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def top_level_names(init):
    if not init.is_file():
        return set()
    names = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def relative_import_errors(path, package_dir, tree):
    """Every `from .x import …` / `from . import x` names a module of the package (or, for the
    second form, a name the package's __init__ defines)."""
    errors = []
    here = list(path.relative_to(package_dir).parent.parts)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        if node.level - 1 > len(here):
            errors.append(f"{path}:{node.lineno}: import above the package root")
            continue
        base = here[: len(here) - (node.level - 1)]
        if node.module:
            parts = base + node.module.split(".")
            if not module_exists(package_dir, parts):
                errors.append(f"{path}:{node.lineno}: no module {'.'.join(parts)}")
            continue
        defined = top_level_names(package_dir.joinpath(*base, "__init__.py"))
        for alias in node.names:
            if not module_exists(package_dir, base + [alias.name]) and alias.name not in defined:
                errors.append(f"{path}:{node.lineno}: no module or name {alias.name}")
    return errors


def resource_facts(cls):
    """Secret input properties and additional_secret_outputs of one resource class."""
    secret_inputs, secret_outputs = set(), set()
    for node in ast.walk(cls):
        # __props__.__dict__["env"] = None if env is None else pulumi.Output.secret(env)
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            key = node.targets[0].slice
            secret = any(
                isinstance(n, ast.Call) and dotted(n.func) == "pulumi.Output.secret"
                for n in ast.walk(node.value)
            )
            if secret and isinstance(key, ast.Constant):
                secret_inputs.add(key.value)
        # pulumi.ResourceOptions(additional_secret_outputs=["cvmEnv", ...])
        if isinstance(node, ast.Call) and dotted(node.func) == "pulumi.ResourceOptions":
            for kw in node.keywords:
                if kw.arg == "additional_secret_outputs":
                    secret_outputs.update(ast.literal_eval(kw.value))
    return sorted(secret_inputs), sorted(secret_outputs)


def exported_classes(package_dir):
    """Classes reachable as `package.X` (the modules `__init__` star-imports, by their `__all__`):
    name → {"params": keyword parameters of any `__init__`, "props": property names}."""
    init = ast.parse((package_dir / "__init__.py").read_text(encoding="utf-8"))
    modules = [n.module for n in init.body if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module]
    classes = {}
    for module in modules:
        path = package_dir.joinpath(*module.split(".")).with_suffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        public = None
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                public = set(ast.literal_eval(node.value))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or (public is not None and node.name not in public):
                continue
            params, props = set(), set()
            for item in node.body:
                if not isinstance(item, ast.FunctionDef):
                    continue
                decorators = {dotted(d.func if isinstance(d, ast.Call) else d) for d in item.decorator_list}
                if item.name == "__init__":
                    args = item.args
                    params.update(a.arg for a in args.args[1:] + args.kwonlyargs)
                elif decorators & {"property", "pulumi.getter"}:
                    props.add(item.name)
            classes[node.name] = {"params": params, "props": props}
    return classes


def program_errors(program, package_dir, package):
    """What a program uses of the package (`import package as alias`): classes, keyword arguments
    of their constructors, and properties of the objects they make, all defined by the SDK."""
    classes = exported_classes(package_dir)
    tree = ast.parse(pathlib.Path(program).read_text(encoding="utf-8"))
    aliases = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names if a.name == package}
    errors, made = [], {}
    if not aliases:
        return [f"{program} does not import {package}"]

    def used_class(node):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            return node.attr
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            cls = used_class(node.value.func)
            for target in node.targets:
                if cls and isinstance(target, ast.Name):
                    made[target.id] = cls
    for node in ast.walk(tree):
        cls = used_class(node)
        if cls is not None and cls not in classes:
            errors.append(f"line {node.lineno}: {package} has no {cls}")
        if isinstance(node, ast.Call) and used_class(node.func) in classes:
            known = classes[used_class(node.func)]["params"]
            errors.extend(
                f"line {node.lineno}: {used_class(node.func)}() takes no argument {kw.arg}"
                for kw in node.keywords
                if kw.arg not in known
            )
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in made:
            cls = made[node.value.id]
            if cls in classes and node.attr not in classes[cls]["props"]:
                errors.append(f"line {node.lineno}: {cls} has no output {node.attr}")
    return errors


def main(sdk_dir, package, program=None):
    root = pathlib.Path(sdk_dir)
    package_dir = root / package
    errors, resources = [], {}
    files = sorted(package_dir.rglob("*.py")) + sorted(package_dir.rglob("*.pyi"))
    if not files:
        errors.append(f"no Python files in {package_dir}")
    for path in files:
        if path.suffix == ".py":
            try:
                py_compile.compile(str(path), cfile=None, doraise=True, optimize=0)
            except py_compile.PyCompileError as err:
                errors.append(str(err))
                continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        errors.extend(relative_import_errors(path, package_dir, tree))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                bases = [dotted(b) for b in node.bases if dotted(b) in RESOURCE_BASES]
                if bases:
                    inputs, outputs = resource_facts(node)
                    resources[node.name] = {
                        "base": bases[0],
                        "module": str(path.relative_to(root)),
                        "secretInputs": inputs,
                        "additionalSecretOutputs": outputs,
                    }
    init = ast.parse((package_dir / "__init__.py").read_text(encoding="utf-8"))
    exports = sorted(
        f".{n.module}" for n in init.body if isinstance(n, ast.ImportFrom) and n.level == 1 and n.module
    )
    pyproject = root / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"] if pyproject.is_file() else None
    report = {"errors": errors, "resources": resources, "exports": exports, "pyproject": project}
    if program:
        report["programErrors"] = program_errors(program, package_dir, package)
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:4])
