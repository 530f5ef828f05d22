"""Project files (JSON) and weight files (.npz) on disk.

    project = load_project("mnist.json")        # ProjectFileError on any bad input
    save_project(project, "copy.json")          # atomic: the old file survives a failure
    save_weights(network, "weights.npz")        # network.state_dict(), no pickle
    load_weights(network, "weights.npz")        # WeightsFileError names a mismatched parameter

Every failure is a :class:`~nnstudio.project.errors.FileFormatError` subclass with the path,
a ``kind`` keyword and a plain-English ``reason``; nothing else escapes (no bare OSError,
JSONDecodeError or KeyError), so the UI and the command line can always say what went wrong.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from nnstudio.engine.errors import ShapeError, SpecError
from nnstudio.engine.io import ArrayFileError, atomic_savez, atomic_write_bytes, load_npz
from nnstudio.engine.network import Network

from . import errors as E
from .errors import ProjectFileError, WeightsFileError
from .model import VERSION, Project, ProjectError, ProjectVersionError

PROJECT_SUFFIX = ".json"
MAX_PROJECT_BYTES = 16 * 1024 * 1024   # a project is a few kB; refuse to parse a huge file


# --------------------------------------------------------------------------- reading
def read_file_bytes(path: Path, error=ProjectFileError, limit: int | None = MAX_PROJECT_BYTES) -> bytes:
    """The bytes of a file, or ``error`` (a FileFormatError subclass) saying why not."""
    if path.is_dir():
        raise error(path, "is a folder, not a file", kind=E.DIRECTORY, code="is_folder")
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise error(path, f"is {size} bytes, too large for this kind of file", kind=E.INVALID,
                        code="too_large", params={"size": size})
        return path.read_bytes()
    except FileNotFoundError:
        raise error(path, "no such file", kind=E.MISSING, code="no_such_file") from None
    except OSError as err:
        raise error(path, **E.os_error(err, "read")) from None


#: the codes of the reasons that name the kind of file (project or recovery file)
_FILE_NOUN_CODES = {"project": ("not_utf8", "empty_project"), "recovery": ("recovery_not_utf8", "empty_recovery")}


def parse_json_bytes(data: bytes, path: os.PathLike | str, noun: str = "project"):
    """The JSON document in the bytes of a project file (``noun`` "project") or a recovery
    file ("recovery"); ProjectFileError says why it is not one (and where)."""
    not_utf8, empty = _FILE_NOUN_CODES[noun]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ProjectFileError(path, f"is not UTF-8 text (byte {err.start} is {data[err.start]:#04x}); "
                                     f"a {noun} file is JSON saved as UTF-8", kind=E.ENCODING, code=not_utf8,
                               params={"byte": err.start, "value": f"{data[err.start]:#04x}"}) from None
    if not text.strip():
        raise ProjectFileError(path, f"is empty; a {noun} file holds a JSON object", kind=E.SYNTAX, code=empty)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        # the text ran out: at its end, or inside a string (a string cannot hold a line break,
        # so an unterminated one runs to the end of the file)
        ended = err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated string")
        what = "the JSON ends too early (truncated file?)" if ended else f"malformed JSON: {err.msg}"
        raise ProjectFileError(path, what, kind=E.SYNTAX, line=err.lineno, column=err.colno,
                               code="json_truncated" if ended else "json_malformed",
                               params={"msg": err.msg}) from None
    except RecursionError:
        raise ProjectFileError(path, "malformed JSON: nested too deeply", kind=E.SYNTAX,
                               code="json_nested") from None
    except ValueError as err:       # Python reads integers of at most 4300 digits
        if "digits" in str(err):
            raise ProjectFileError(path, "malformed JSON: a number with thousands of digits", kind=E.SYNTAX,
                                   code="json_huge_number") from None
        raise ProjectFileError(path, f"malformed JSON: {err}", kind=E.SYNTAX, code="json_malformed",
                               params={"msg": str(err)}) from None


def parse_project_text(data: bytes, path: os.PathLike | str = "<project>") -> Project:
    """Decode, parse and validate the bytes of a project file (what load_project reads)."""
    return project_from_document(parse_json_bytes(data, path), path)


def project_from_document(doc, path: os.PathLike | str = "<project>") -> Project:
    """Validate (and migrate) a parsed project document read from ``path``."""
    bad = _unwritable_text(doc)
    if bad is not None:
        where, code, params = bad
        what = (f"an unpaired surrogate ({params['char']}), which is not text a file can be saved with"
                if code == "text_surrogate" else "a NUL character, which no file name or label may hold")
        raise ProjectFileError(path, f"{where}: holds {what}", kind=E.INVALID, field=where, code=code,
                               params=params)
    try:
        return Project.from_dict(doc)
    except ProjectVersionError as err:
        raise ProjectFileError(path, f"was written by a newer nnstudio (format version {err.version}); "
                                     f"this one reads versions up to {VERSION} — please update "
                                     "nnstudio to open it", kind=E.NEWER, field="version", code="newer_version",
                               params={"version": err.version, "newest": VERSION}) from err
    except (ProjectError, SpecError) as err:
        # from err: the UI words its sentence from the typed error's code (the cause)
        raise ProjectFileError(path, str(err), kind=E.INVALID, field=getattr(err, "field", None)) from err
    except (TypeError, ValueError, KeyError) as err:
        # a value of a type no validator expected (e.g. a list where a number belongs)
        raise ProjectFileError(path, f"invalid project: {err}", kind=E.INVALID, code="unexpected_value",
                               params={"detail": str(err)}) from None


def _unwritable_text(value, where: str = "") -> tuple[str, str, dict] | None:
    """The first text in a parsed document that could not be written back or used as a path:
    a NUL character, or an unpaired surrogate (JSON's "\\ud800" escapes allow one; UTF-8 does
    not, so saving failed). (where, code, params) or None."""
    if isinstance(value, str):
        if "\0" in value:
            return where or "(top)", "text_nul", {}
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            return where or "(top)", "text_surrogate", {"char": ascii(value[err.start])}
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        bad_key = _unwritable_text(key)
        shown = key if key.isprintable() and bad_key is None else ascii(key)
        inner = f"{where}.{shown}" if where else shown
        if bad_key is not None:
            return inner, *bad_key[1:]
        found = _unwritable_text(item, inner)
        if found:
            return found
    return None


def load_project(path: os.PathLike | str) -> Project:
    """Read, migrate and validate a project file; ProjectFileError says what is wrong."""
    p = Path(path)
    return parse_project_text(read_file_bytes(p), p)


# --------------------------------------------------------------------------- writing
def project_bytes(project: Project) -> bytes:
    """The project as the UTF-8 JSON text save_project writes."""
    return (json.dumps(project.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_file_atomically(path: Path, data: bytes, error=ProjectFileError) -> None:
    """Write ``data`` through a temporary file and a rename; the previous file survives any
    failure, which is raised as ``error`` (a FileFormatError subclass) saying why."""
    guarded_write(path, lambda: atomic_write_bytes(path, lambda f: f.write(data)), error)


def guarded_write(path: Path, write, error) -> None:
    """Run ``write()`` (an atomic writer of ``path``, which also gives the new file ordinary
    permissions) with the checks and errors every save shares: a folder or a missing folder
    is refused, an OSError becomes ``error``."""
    if path.is_dir():
        raise error(path, "is a folder; choose a file name", kind=E.DIRECTORY, code="folder_not_file_name")
    if not path.parent.is_dir():
        raise error(path, f"cannot write: the folder {path.parent} does not exist", kind=E.MISSING,
                    code="no_folder", params={"folder": str(path.parent)})
    try:
        write()
    except OSError as err:
        raise error(path, **E.os_error(err, "write")) from None


def save_project(project: Project, path: os.PathLike | str) -> None:
    """Write the project JSON atomically (temporary file beside it, then os.replace)."""
    write_file_atomically(Path(path), project_bytes(project))


# --------------------------------------------------------------------------- weights
def save_weights(network: Network, path: os.PathLike | str) -> None:
    """Write ``network.state_dict()`` (parameters and batch-norm buffers) as an .npz, atomically."""
    p = Path(path)
    state = network.state_dict()
    try:
        guarded_write(p, lambda: atomic_savez(p, state), WeightsFileError)
    except ArrayFileError as err:      # an array of Python objects: never written
        raise WeightsFileError(p, err.reason, kind=E.INVALID, parameter=err.params.get("member"),
                               code="npz_objects_not_saved", params=err.params) from None


_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_PICKLE_MAGIC = b"\x80"


def _check_npz_magic(p: Path) -> None:
    """Tell "not an .npz at all" from "pickled data" before NumPy lumps both together."""
    if not p.is_file():
        return   # load_npz names a folder or a missing file
    try:
        with open(p, "rb") as f:
            head = f.read(4)
    except OSError:
        return
    if head.startswith(_PICKLE_MAGIC):
        raise WeightsFileError(p, "holds pickled Python objects, which nnstudio refuses to load "
                                  "(a pickle from a stranger can run code)", kind=E.PICKLE, code="pickle_file")
    if head.startswith(b"\x93NUM"):
        raise WeightsFileError(p, "is a single .npy array, not an .npz archive", kind=E.NOT_NPZ,
                               code="npy_not_npz")
    if not head.startswith(_ZIP_MAGIC):
        raise WeightsFileError(p, "is not an .npz archive of arrays", kind=E.NOT_NPZ, code="not_npz")


#: load_npz's reasons (ArrayFileError.code) → the kind and the code of a WeightsFileError
_ARRAY_ERRORS = {
    "is_folder": (E.DIRECTORY, "is_folder"),
    "no_such_file": (E.MISSING, "no_such_file"),
    "permission_denied": (E.PERMISSION, "os_read"),
    "unreadable": (E.IO, "os_read"),
    "python_objects": (E.PICKLE, "npz_objects"),
    "npy_not_npz": (E.NOT_NPZ, "npy_not_npz"),
    "not_an_array": (E.NOT_NPZ, "npz_not_an_array"),
    "too_many_bytes": (E.NOT_NPZ, "npz_too_many_bytes"),
    "out_of_memory": (E.INVALID, "npz_out_of_memory"),
    "damaged": (E.NOT_NPZ, "npz_damaged"),
}


def read_weights(path: os.PathLike | str) -> dict[str, np.ndarray]:
    """The arrays of a weights .npz (numeric only, never unpickled)."""
    p = Path(path)
    _check_npz_magic(p)
    try:
        state = load_npz(p)
    except ArrayFileError as err:
        kind, code = _ARRAY_ERRORS.get(err.code, (E.NOT_NPZ, None))
        raise WeightsFileError(p, err.reason, kind=kind, code=code, params=err.params) from None
    for name, value in state.items():
        if value.dtype.kind not in "fiub":
            raise WeightsFileError(p, f"array {name!r} holds {value.dtype} values, not numbers",
                                   kind=E.INVALID, parameter=name, code="npz_not_numbers",
                                   params={"name": name, "dtype": str(value.dtype)})
    return state


def load_weights(network: Network, path: os.PathLike | str) -> None:
    """Load a weights .npz into ``network``; on any error the network is left untouched."""
    p = Path(path)
    state = read_weights(p)
    try:
        network.load_state_dict(state)
    except ShapeError as err:
        raise WeightsFileError(p, f"parameter {err.name} has shape {err.got} in the file but "
                                  f"{err.expected} in this network", kind=E.MISMATCH,
                               parameter=err.name, expected=err.expected, got=err.got, code="shape_mismatch",
                               params={"parameter": err.name, "got": err.got, "expected": err.expected}) from None
    except SpecError as err:
        # load_state_dict names the first parameter the file lacks, else the first it has too many
        if err.field in state:
            code, params = "npz_extra_parameter", {"parameter": err.field}
        else:
            code = "npz_missing_parameter"
            params = {"parameter": err.field, "count": len(set(network.state_dict()) - set(state))}
        raise WeightsFileError(p, f"{err.field}: {err.reason or 'does not fit'} "
                                  "(the weights belong to a different network)",
                               kind=E.MISMATCH, parameter=err.field, code=code, params=params) from None
