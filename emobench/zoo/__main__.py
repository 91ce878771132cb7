"""``python -m emobench.zoo table`` prints the zoo table; ``python -m emobench.zoo docs DIR``
rewrites DIR/README.md, DIR/cards and DIR/recipes from the packaged manifest."""
from __future__ import annotations

import sys

from emobench.zoo.docs import render_table, write_docs
from emobench.zoo.manifest import Manifest


def main(argv: list[str]) -> int:
    if argv[:1] == ["table"] and len(argv) == 1:
        sys.stdout.write(render_table(Manifest.packaged()))
        return 0
    if argv[:1] == ["docs"] and len(argv) == 2:
        for path in write_docs(Manifest.packaged(), argv[1]):
            print(path)
        return 0
    print("usage: python -m emobench.zoo table | docs DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
