"""The package's shape: the library and its pipelines import each other without a cycle, and no
module (library, pipeline or test) edits sys.path: `addp` is found because commands run from
models/ (`python3 -m addp.<pipeline>`, `python3 -m unittest discover -s tests`)."""
import ast
import os
import unittest

from addp import paths

PACKAGE = os.path.join(paths.MODELS, "addp")


def python_files(*folders):
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def package_imports(path):
    """The addp modules a module imports at its top level (imports inside functions run later, on
    demand, and cannot close a cycle at import time)."""
    tree = ast.parse(open(path).read(), path)
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or node.module == "addp"):
            if node.module and node.module != "addp":
                found.add(node.module.split(".")[-1])
            else:
                found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("addp."))
    modules = {os.path.basename(p)[:-3] for p in python_files(PACKAGE)}
    return found & modules


class LayoutTest(unittest.TestCase):
    def test_no_import_cycle_in_the_package(self):
        graph = {os.path.basename(p)[:-3]: package_imports(p) for p in python_files(PACKAGE)}
        self.assertIn("train_utils", graph["mage"], "the graph is read (mage trains with train_utils)")
        done, path = set(), []

        def visit(module):
            if module in path:
                self.fail("import cycle: " + " -> ".join(path[path.index(module):] + [module]))
            if module in done:
                return
            path.append(module)
            for dep in sorted(graph[module]):
                visit(dep)
            path.pop()
            done.add(module)

        for module in sorted(graph):
            visit(module)

    def test_no_module_edits_sys_path(self):
        tests = os.path.dirname(os.path.abspath(__file__))
        for path in python_files(PACKAGE, paths.MODELS, tests):
            tree = ast.parse(open(path).read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr == "path" \
                        and isinstance(node.value, ast.Name) and node.value.id == "sys":
                    self.fail(f"{os.path.relpath(path, paths.MODELS)}:{node.lineno} uses sys.path")


if __name__ == "__main__":
    unittest.main()
