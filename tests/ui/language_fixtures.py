"""The studio's Japanese translation installed for one test (English again afterwards)."""

from __future__ import annotations

import pytest

from nnstudio.ui.translation import install_translation


@pytest.fixture
def japanese(qapp):
    assert install_translation(qapp, "ja") == "ja"
    yield qapp
    install_translation(qapp, "en")
