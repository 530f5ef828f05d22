"""The operating system's refusals in the learner's words.

An OSError's own text (``strerror``) is in the system's language, English on Linux and macOS;
the common refusals are worded here, by the name of their error number, in the UI's language.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from nnstudio.engine.io import os_detail, os_problem

translate = QCoreApplication.translate    # lupdate reads translate("context", "text") calls


def os_problems() -> dict[str, str]:
    """What the operating system refused (the ``problem`` of an os_… reason: an errno's name),
    in the learner's words; the system's own words (in English on Linux and macOS) otherwise."""
    return {
        "EACCES": translate("FileMessages", "permission denied"),
        "EPERM": translate("FileMessages", "the operation is not permitted"),
        "ENOENT": translate("FileMessages", "there is no such file or folder"),
        "ENOTDIR": translate("FileMessages", "a part of the path is a file, not a folder"),
        "EISDIR": translate("FileMessages", "it is a folder"),
        "EEXIST": translate("FileMessages", "something of that name is already there"),
        "ENOSPC": translate("FileMessages", "the disk is full"),
        "EDQUOT": translate("FileMessages", "your disk quota is used up"),
        "EROFS": translate("FileMessages", "the disk is read-only"),
        "EIO": translate("FileMessages", "the disk reported an input/output error"),
        "ENAMETOOLONG": translate("FileMessages", "the name is too long"),
        "EMFILE": translate("FileMessages", "too many files are open"),
        "EBUSY": translate("FileMessages", "it is in use"),
        "not_regular": translate("FileMessages", "it is not a regular file (a device, pipe or socket)"),
    }


def os_refusal(err: OSError) -> str:
    """What the operating system refused: in the learner's words when it is a common refusal
    (:func:`os_problems`), else in the system's own words."""
    return os_problems().get(os_problem(err) or "") or os_detail(err)
