"""mutmut, taught that functions declared as operations can be mutated (scripts/mutation).

mutmut 3 leaves every decorated function alone: a decorator may register the function, and
mutmut's copies of it (the original and each mutant, all decorated) would register it again.
Our operations are declared that way (`@operation(...)`, `@facilitation(...)`: they register
the function and return it unchanged), so without this every operation's body would go
untested. Here, for those decorators only, the copies are left undecorated and the
declaration is kept on mutmut's trampoline, which is what gets registered.
Written against mutmut 3.8.1 (pinned in pyproject.toml).
"""

from __future__ import annotations

import sys

import libcst as cst
from libcst.metadata import PositionProvider
from mutmut.mutation import file_mutation

DECLARATIONS = {"operation", "facilitation"}


def is_declared(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.FunctionDef)
        and bool(node.decorators)
        and all(
            isinstance(d.decorator, cst.Call)
            and isinstance(d.decorator.func, cst.Name)
            and d.decorator.func.value in DECLARATIONS
            for d in node.decorators
        )
    )


_skip = file_mutation.MutationVisitor._skip_node_and_children


def _skip_node_and_children(self, node: cst.CSTNode) -> bool:
    if not is_declared(node):
        return _skip(self, node)
    position = self.get_metadata(PositionProvider, node, None)
    if position and position.start.line in self._ignored_node_lines:
        self.ignored_functions.add(node.name.value)
        return True
    return False


_arrange = file_mutation.function_trampoline_arrangement


def function_trampoline_arrangement(function, mutants, class_name):
    if class_name is not None or not is_declared(function):
        return _arrange(function, mutants, class_name)
    # Same body nodes (mutants are found in it by identity), no decorators on the copies.
    declarations, nodes, assignments, names = _arrange(
        function.with_changes(decorators=[]), mutants, class_name
    )
    trampoline = nodes[0]
    nodes = [
        trampoline.with_changes(decorators=[*function.decorators, *trampoline.decorators]),
        *nodes[1:],
    ]
    return declarations, nodes, assignments, names


file_mutation.MutationVisitor._skip_node_and_children = _skip_node_and_children
file_mutation.function_trampoline_arrangement = function_trampoline_arrangement

if __name__ == "__main__":
    from mutmut.__main__ import cli

    sys.argv[0] = "mutmut"
    cli()
