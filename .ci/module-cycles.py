#!/usr/bin/env python3
"""Lists import circles between the top-level modules of every crate in the workspace.

A crate's top-level module is a file or folder directly under its `src/` (`src/imports.rs` and
`src/imports/` are one module). Module A uses module B when a file of A names `crate::B` — in a
`use` (also inside `crate::{…}` groups) or a path — or, in a file directly under `src/`,
`super::B`. Tests (from the first `#[cfg(test)]` of a file on) are not read. Prints each circle
with the names used on each edge; exits 1 if there is any, else prints `no circles`.
"""
import os
import re
import sys

SKIP = {"target", ".git", "node_modules", ".chain"}


def crates(root):
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP)
        if "Cargo.toml" in files and os.path.isdir(os.path.join(here, "src")):
            yield here


def top_module(src, path):
    first = os.path.relpath(path, src).split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def group_heads(body):
    """The first path segment of each item of a `{…}` use group (nested groups included)."""
    heads, depth, item = [], 0, ""
    for ch in body + ",":
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            item = item.strip()
            if item:
                heads.append(re.split(r"::|\s", item, maxsplit=1)[0])
            item = ""
        else:
            item += ch
    return heads


def edges_of(src):
    edges = {}
    modules = set()
    for here, dirs, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(here, name)
            module = top_module(src, path)
            if module in ("lib", "main"):
                continue
            modules.add(module)
            text = open(path, encoding="utf-8").read().split("#[cfg(test)]")[0]
            text = strip_comments(text)
            used = []
            for group in re.finditer(r"\bcrate::\{", text):
                depth, i = 1, group.end()
                while i < len(text) and depth:
                    depth += {"{": 1, "}": -1}.get(text[i], 0)
                    i += 1
                used += [(h, h) for h in group_heads(text[group.end():i - 1])]
            used += [(m.group(1), m.group(2) or m.group(1)) for m in re.finditer(r"\bcrate::([a-z_][a-z0-9_]*)(?:::(\w+))?", text)]
            if os.path.dirname(path) == src:
                used += [(m.group(1), m.group(2) or m.group(1)) for m in re.finditer(r"\bsuper::([a-z_][a-z0-9_]*)(?:::(\w+))?", text)]
            for target, item in used:
                if target != module:
                    edges.setdefault((module, target), set()).add(item)
    return modules, {k: v for k, v in edges.items() if k[1] in modules}


def circles(modules, edges):
    """Strongly connected sets of two or more modules (Tarjan)."""
    graph = {m: sorted(t for (s, t) in edges if s == m) for m in modules}
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for m in sorted(modules):
        if m not in index:
            visit(m)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    found = False
    for crate in sorted(crates(root)):
        modules, edges = edges_of(os.path.join(crate, "src"))
        for group in circles(modules, edges):
            found = True
            print(f"circle in {os.path.relpath(crate, root)}: {', '.join(group)}")
            for (s, t), items in sorted(edges.items()):
                if s in group and t in group:
                    print(f"  {s} -> {t}: {', '.join(sorted(items))}")
    if not found:
        print("no circles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
