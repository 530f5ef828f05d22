"""Optional download of MNIST-style IDX sets (Fashion-MNIST, KMNIST) for learners who are
online.

``download(name, dest_dir, progress=..., base_url=...)`` fetches a set's four files into
the user's data folder (``user_data_dir()/datasets/<name>`` by default). Each file is
streamed into a hidden temporary file in the destination folder while its MD5 is computed;
only a complete file with the published checksum is renamed into place. A wrong checksum,
an HTTP error or an interrupted transfer raises a DownloadError and leaves no partial file
behind. Files already present with the right checksum are not fetched again.

``progress(bytes_done, bytes_total)`` is called as bytes arrive (and once at the start and
the end), counting over all files of the set; ``bytes_total`` is the sum of the files'
expected sizes, corrected by the server's Content-Length when that differs (0 if unknown).

Cancelling: the progress callback may raise ``DownloadCancelled`` (a window's Cancel button
does); ``download`` then stops like an interrupted transfer: the file being fetched is
removed, complete files already verified stay, and the DownloadCancelled propagates.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from nnstudio.data.errors import ChecksumError, DataError, DownloadError
from nnstudio.data.paths import user_data_dir

CHUNK = 64 * 1024

ProgressCallback = Callable[[int, int], None]


class DownloadCancelled(DownloadError):
    """Raised by a progress callback to stop ``download``; no partial file is kept."""

    def __init__(self) -> None:
        super().__init__("the download was cancelled; no partial file was kept")


@dataclass(frozen=True)
class RemoteFile:
    name: str
    md5: str
    size: int | None = None  # expected size in bytes, for the progress total


@dataclass(frozen=True)
class RemoteSet:
    """A downloadable IDX set: where it lives, its files and what it is."""

    name: str
    title: str
    base_url: str
    files: tuple[RemoteFile, ...]
    class_names: tuple[str, ...]
    citation: str
    license: str
    description: str = ""


_IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _files(md5s: tuple[str, ...], sizes: tuple[int, ...]) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(n, m, s) for n, m, s in zip(_IDX_FILES, md5s, sizes, strict=True))


REMOTE_SETS: dict[str, RemoteSet] = {
    "fashion-mnist": RemoteSet(
        name="fashion-mnist",
        title="Fashion-MNIST",
        base_url="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        files=_files(
            ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
             "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"),
            (26421880, 29515, 4422102, 5148),
        ),
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                     "Shirt", "Sneaker", "Bag", "Ankle boot"),
        citation="H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST: a Novel Image Dataset for "
        "Benchmarking Machine Learning Algorithms, arXiv:1708.07747 (2017)",
        license="MIT (Zalando SE)",
        description="70 000 28x28 grey images of clothing in 10 classes, a drop-in "
        "replacement for MNIST that is harder to learn.",
    ),
    "kmnist": RemoteSet(
        name="kmnist",
        title="Kuzushiji-MNIST",
        base_url="http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        files=_files(
            ("bdb82020997e1d708af4cf47b453dcf7", "e144d726b3acfaa3e44228e80efcd344",
             "5c965bf0a639b31b8f53240b1b52f4d7", "7320c461ea6c1c855c0b718fb2a4b134"),
            (18165135, 29497, 3041136, 5120),
        ),
        class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        citation="T. Clanuwat et al., Deep Learning for Classical Japanese Literature, "
        "arXiv:1812.01718 (2018); KMNIST Dataset (created by CODH), adapted from the "
        "Kuzushiji Dataset (created by NIJL and others), doi:10.20676/00000341",
        license="CC BY-SA 4.0",
        description="70 000 28x28 images of cursive Japanese (kuzushiji) hiragana, "
        "10 classes, in MNIST's format.",
    ),
}


def default_dir(name: str) -> Path:
    """Where ``download(name)`` puts a set by default (and where ``load`` looks)."""
    return user_data_dir() / "datasets" / name


def _md5_of_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_downloaded(remote: RemoteSet, folder: Path) -> bool:
    """True if every file of ``remote`` is in ``folder`` (by name; checksums not read)."""
    return all((folder / f.name).is_file() for f in remote.files)


def _fetch(
    url: str, remote_file: RemoteFile, folder: Path, timeout: float,
    report: Callable[[int, int | None], None],
) -> None:
    """Stream one file into folder/.name.part-*, verify, rename. report(delta, length)."""
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{remote_file.name}.part-")
    try:
        digest = hashlib.md5(usedforsecurity=False)
        received = 0
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    length_header = response.headers.get("Content-Length")
                    length = None
                    if length_header and length_header.isdigit():
                        length = int(length_header)
                    report(0, length)
                    while True:
                        chunk = response.read(CHUNK)
                        if not chunk:
                            break
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        report(len(chunk), None)
            except urllib.error.HTTPError as exc:
                raise DownloadError(f"{url}: HTTP error {exc.code} ({exc.reason})", code="http_error",
                                    url=url, status=exc.code, reason=str(exc.reason)) from None
            except urllib.error.URLError as exc:
                raise DownloadError(f"{url}: cannot connect ({exc.reason})", code="cannot_connect",
                                    url=url, reason=str(exc.reason)) from None
            except http.client.IncompleteRead as exc:
                raise DownloadError(
                    f"{url}: the transfer was interrupted after "
                    f"{received + len(exc.partial)} bytes"
                    + (f" of {received + len(exc.partial) + exc.expected}" if exc.expected else ""),
                    code="interrupted", url=url, received=received + len(exc.partial),
                    total=received + len(exc.partial) + exc.expected if exc.expected else None,
                ) from None
            except (http.client.HTTPException, OSError) as exc:
                raise DownloadError(f"{url}: the transfer failed ({exc})", code="transfer_failed",
                                    url=url, detail=str(exc)) from None
        if length is not None and received != length:
            raise DownloadError(
                f"{url}: the transfer was interrupted after {received} of {length} bytes",
                code="interrupted", url=url, received=received, total=length)
        actual = digest.hexdigest()
        if actual != remote_file.md5.lower():
            raise ChecksumError(remote_file.name, remote_file.md5.lower(), actual)
        os.replace(tmp_name, folder / remote_file.name)
        tmp_name = None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def download(
    name: str | RemoteSet,
    dest_dir: os.PathLike | str | None = None,
    *,
    progress: ProgressCallback | None = None,
    base_url: str | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download a set's files into ``dest_dir`` (default ``default_dir(name)``); returns it.

    ``name`` is a key of ``REMOTE_SETS`` (or a RemoteSet). ``base_url`` replaces the set's
    own address (a mirror; the tests' local server). Raises DownloadError (ChecksumError
    for a wrong checksum) and leaves no partial file in ``dest_dir``.
    """
    if isinstance(name, RemoteSet):
        remote = name
    else:
        try:
            remote = REMOTE_SETS[name]
        except KeyError:
            raise DataError(
                f"no downloadable data set named {name!r}; known: {', '.join(REMOTE_SETS)}",
                code="unknown_download", name=name, known=tuple(REMOTE_SETS),
            ) from None
    url_base = base_url or remote.base_url
    if not url_base.startswith(("http://", "https://")):
        raise DownloadError(f"the download address must start with http:// or https://, "
                            f"not {url_base!r}", code="bad_address", url=url_base)
    if not url_base.endswith("/"):
        url_base += "/"
    folder = Path(dest_dir) if dest_dir is not None else default_dir(remote.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"cannot create the folder {folder} ({exc.strerror or exc})",
                            code="cannot_create_folder", folder=str(folder),
                            detail=str(exc.strerror or exc)) from None

    sizes = [f.size or 0 for f in remote.files]
    done = 0

    def notify() -> None:
        if progress is not None:
            progress(done, sum(sizes))

    todo = []
    for i, remote_file in enumerate(remote.files):
        target = folder / remote_file.name
        if target.is_file() and _md5_of_file(target) == remote_file.md5.lower():
            sizes[i] = target.stat().st_size
            done += sizes[i]
        else:
            todo.append(i)
    notify()
    for i in todo:
        remote_file = remote.files[i]

        def report(delta: int, length: int | None, i: int = i) -> None:
            nonlocal done
            if length is not None:
                sizes[i] = length
            done += delta
            notify()

        _fetch(url_base + remote_file.name, remote_file, folder, timeout, report)
    return folder
