"""The zoo's manifest: one entry per pretrained model, shipped inside the package as
``emobench/zoo_manifest.json`` (the weight files the package ships are in ``emobench/zoo_files``).

An entry is named ``<model>-<features>.<dataset>_<protocol>`` (MMAction2's style: the name carries
what it was trained on) and its file ``<name>-<first 8 hex digits of its sha256>.zip``. It records
the factory and options, the training data and protocol, the preprocessing, the scores, the
file's size and full sha256, and where the file comes from: ``"package"`` (inside the wheel) or
``"url"`` (downloaded with pooch into the zoo cache on first use).
"""
from __future__ import annotations

import json
import re
from dataclasses import MISSING, asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

MANIFEST_FORMAT = 1
MANIFEST_NAME = "zoo_manifest.json"
FILES_DIR = "zoo_files"
SOURCES = ("package", "url")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_+-]*\.[a-z0-9][a-z0-9_+-]*$")


class ZooError(ValueError):
    """A zoo operation that cannot go on; the message is one line naming the entry or file."""


class IntegrityError(ZooError):
    """A weight file whose size or sha256 differs from its manifest entry: never loaded."""


@dataclass
class Entry:
    """One pretrained model. ``metrics`` holds ``held_out`` (scores of these very weights on
    the speakers they never saw), ``train``, ``cv`` (mean and std over the run's folds, for
    context) and, when scored, ``rml`` (cross-dataset)."""

    name: str
    model: str
    options: dict
    features: str
    preprocess: dict
    labels: list[str]
    input_shape: list[int]
    params: int
    dataset: dict
    protocol: dict
    metrics: dict
    file: str
    size: int
    sha256: str
    source: str = "package"
    url: str | None = None
    provenance: dict = field(default_factory=dict)
    #: a pipeline demo (trained on the generated corpus of drawn faces): it shows that the
    #: pipeline runs end to end; its scores say nothing about real faces or voices
    demo: bool = False

    def __post_init__(self) -> None:
        where = f"zoo entry {self.name!r}"
        check_name(self.name)
        if not re.fullmatch(r"[0-9a-f]{64}", self.sha256 or ""):
            raise ZooError(f"{where}: sha256 must be 64 lower-case hex digits")
        if self.file != archive_name(self.name, self.sha256):
            raise ZooError(f"{where}: file must be {archive_name(self.name, self.sha256)!r}, "
                           f"got {self.file!r}")
        if self.source not in SOURCES:
            raise ZooError(f"{where}: source must be one of {', '.join(SOURCES)}")
        if self.source == "url" and not self.url:
            raise ZooError(f"{where}: source 'url' needs a url")

    @classmethod
    def from_dict(cls, data: dict) -> "Entry":
        if not isinstance(data, dict):
            raise ZooError(f"zoo entry {data!r}: not a JSON object")
        known = {f.name for f in fields(cls)}
        missing = [f.name for f in fields(cls) if f.name not in data
                   and f.default is MISSING and f.default_factory is MISSING]
        if missing:
            raise ZooError(f"zoo entry {data.get('name')!r}: missing {', '.join(missing)}")
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def held_out(self) -> dict:
        return self.metrics.get("held_out", {})

    @property
    def cv(self) -> dict:
        return self.metrics.get("cv", {})


def check_name(name: str) -> str:
    """``name`` if it is a valid entry name, else a one-line :class:`ZooError`."""
    if not NAME_RE.match(name or ""):
        raise ZooError(f"zoo entry name {name!r}: expected <model>-<features>.<dataset>_"
                       f"<protocol> in lower case letters, digits, '_', '-', '+'")
    return name


def archive_name(name: str, sha256: str) -> str:
    """``<name>-<sha8>.zip``: the file name carries the first 8 hex digits of its hash."""
    return f"{name}-{sha256[:8]}.zip"


class Manifest:
    """Entries by name, and the folder holding the files of those with source ``package``."""

    def __init__(self, entries: list[Entry] | tuple = (), files_dir: Path | None = None,
                 origin: str = "<memory>"):
        self.entries: dict[str, Entry] = {}
        for entry in entries:
            if entry.name in self.entries:
                raise ZooError(f"{origin}: zoo entry {entry.name!r} appears twice")
            self.entries[entry.name] = entry
        self.files_dir = Path(files_dir) if files_dir is not None else None
        self.origin = origin

    @classmethod
    def packaged(cls) -> "Manifest":
        """The manifest inside the installed emobench package (nothing else is read)."""
        root = resources.files("emobench")
        text = (root / MANIFEST_NAME).read_text(encoding="utf-8")
        return cls.from_json(text, Path(str(root / FILES_DIR)), f"emobench/{MANIFEST_NAME}")

    @classmethod
    def from_file(cls, path: str | Path) -> "Manifest":
        """A manifest file of your own (e.g. one written by ``emobench zoo export``); its
        ``package`` entries' files are looked for beside it."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise ZooError(f"{path}: cannot read the manifest ({err.strerror or err})") from None
        return cls.from_json(text, path.parent, str(path))

    @classmethod
    def from_json(cls, text: str, files_dir: Path | None, origin: str) -> "Manifest":
        try:
            data = json.loads(text)
        except ValueError as err:
            raise ZooError(f"{origin}: not valid JSON ({err})") from None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ZooError(f"{origin}: not a zoo manifest of format {MANIFEST_FORMAT}")
        return cls([Entry.from_dict(e) for e in data.get("entries", [])], files_dir, origin)

    def to_json(self) -> str:
        entries = [self.entries[n].to_dict() for n in sorted(self.entries)]
        return json.dumps({"format": MANIFEST_FORMAT, "entries": entries}, indent=1,
                          sort_keys=True) + "\n"

    def get(self, name: str) -> Entry:
        """The entry ``name``, or a one-line error listing the known names."""
        try:
            return self.entries[name]
        except KeyError:
            known = ", ".join(sorted(self.entries)) or "none"
            raise ZooError(f"no zoo entry {name!r} in {self.origin}; entries: {known}") from None

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries[n] for n in sorted(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def with_entry(self, entry: Entry) -> "Manifest":
        """A copy holding ``entry`` in place of any entry of the same name."""
        others = [e for e in self if e.name != entry.name]
        return Manifest([*others, entry], self.files_dir, self.origin)


def resolve(manifest: "Manifest | str | Path | None") -> Manifest:
    """The packaged manifest for None, a manifest file for a path, else ``manifest`` itself."""
    if manifest is None:
        return Manifest.packaged()
    if isinstance(manifest, Manifest):
        return manifest
    return Manifest.from_file(manifest)


def jsonable(value: Any) -> Any:
    """``value`` after a JSON round trip (tuples become lists, as when the manifest is read)."""
    return json.loads(json.dumps(value, default=str))
